from django.db import migrations

# On PostgreSQL, the rated records' ids are looked up through a hash index instead of the
# primary key's btree: keeping a btree of random text keys up took about a quarter of the
# server's time of an import (benchmarks/bench_usage_import), a hash index a third of that,
# and a lookup by id (the import's duplicate check) is all that reads it. A hash index holds
# 32-bit hash codes and checks each hit against the stored id, so duplicates are still found
# exactly; it cannot be unique: ids are kept unique by the import, which checks each record
# against the stored ids and the ones before it in the file, one import at a time
# (storage.import_lock). The model keeps `record_id` as its primary key for Django; SQLite keeps
# the primary key's index.
PRIMARY_KEY = "usage_usagerecord_pkey"
HASH_INDEX = "usage_record_id_hash"


def use_a_hash_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE usage_usagerecord DROP CONSTRAINT {PRIMARY_KEY}")
        schema_editor.execute(
            f"CREATE INDEX {HASH_INDEX} ON usage_usagerecord USING hash (record_id)"
        )


def use_the_primary_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {HASH_INDEX}")
        schema_editor.execute(
            f"ALTER TABLE usage_usagerecord ADD CONSTRAINT {PRIMARY_KEY} PRIMARY KEY (record_id)"
        )


class Migration(migrations.Migration):
    dependencies = [("usage", "0005_fairusecase")]

    operations = [migrations.RunPython(use_a_hash_index, use_the_primary_key)]
