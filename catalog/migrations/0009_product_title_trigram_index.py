"""On PostgreSQL, a trigram index for the queue's title search (frontend/queue.py: icontains,
which PostgreSQL runs as UPPER(title) LIKE UPPER('%...%')). Without it a search scans every
product: 0.85 s on a 1M-product catalogue (docs/benchmarks.md, "Scale"). SQLite has no such
index; its search stays a scan.

pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13+), so the database's
owner may create it. Where the role may not, the migration says so and goes on: search is
then correct but slow until an administrator runs the two statements below.
"""
import sys

from django.db import migrations

CREATE_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS product_title_trigram ON catalog_product USING gin (UPPER(title) gin_trgm_ops)"
)
DROP_INDEX = "DROP INDEX IF EXISTS product_title_trigram"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(CREATE_EXTENSION)
    except DatabaseError as error:
        sys.stderr.write(
            f"\ncatalog: pg_trgm could not be created ({str(error).strip()}); the queue's title search will scan "
            f"products. An administrator can run:\n  {CREATE_EXTENSION};\n  {CREATE_INDEX};\n"
        )
        return
    schema_editor.execute(CREATE_INDEX)
    # The planner knows the indexed expression's selectivity only once it is analysed; until
    # autovacuum gets there it would keep scanning (a sample: a second or two at any size).
    schema_editor.execute("ANALYZE catalog_product")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0008_suggestion_seller"),
    ]

    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
