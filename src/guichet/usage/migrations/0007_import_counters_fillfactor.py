from django.db import migrations

# Each chunk of an import rewrites the counters of the lines it rated, changing no column of
# their unique key: with room left on each page, PostgreSQL writes the new version of a row on
# its page without a new index entry (a heap-only tuple).
TABLES = ("usage_lineusagetotals", "usage_lineusagequantity", "usage_lineallowanceuse")
FILLFACTOR = 50


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("usage", "0006_billing_purchase_invoice")]

    operations = [migrations.RunPython(leave_room, fill_pages)]
