from django.db import migrations, models

# Record ids compared byte by byte on PostgreSQL (the database's default collation may be a
# locale's): the same order as SQLite's, and a fifth less of the primary key's upkeep.
RECORD_ID_TYPE = "varchar(64)"


def collate_record_ids_bytewise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE usage_usagerecord ALTER COLUMN record_id"
            f' TYPE {RECORD_ID_TYPE} COLLATE "C"'
        )


def collate_record_ids_by_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE usage_usagerecord ALTER COLUMN record_id"
            f' TYPE {RECORD_ID_TYPE} COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [("usage", "0007_import_counters_fillfactor")]

    operations = [
        migrations.RemoveIndex(model_name="usagerecord", name="usage_record_line_period"),
        migrations.AddIndex(
            model_name="usagerecord",
            index=models.Index(fields=["line", "period_start"], name="usage_record_line_period"),
        ),
        migrations.RunPython(collate_record_ids_bytewise, collate_record_ids_by_default),
    ]
