"""C3: pg_trgm GIN indexes so `%fragment%` searches on company name, INN, VAT id and phones are
index-assisted on PostgreSQL, and a (name, id) index for name-ordered lists. SQLite has no trigram
indexes; there only the (name, id) index is created."""

from django.db import migrations, models

INDEXES = [
    ("crm_company_name_trgm", "crm_company", "name"),
    ("crm_company_inn_trgm", "crm_company", "inn"),
    ("crm_company_vat_trgm", "crm_company", "vat_id"),
    ("crm_contactpoint_norm_trgm", "crm_contactpoint", "normalized"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_lead_channel_and_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="company",
            index=models.Index(fields=["name", "id"], name="company_name_idx"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
