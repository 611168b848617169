"""On PostgreSQL, an index of each title's two-character pieces, for queue searches of two
characters (frontend/queue.py). The trigram index of 0009 cannot serve a pattern shorter than
three characters, and Japanese words of two characters are common (靴下, 赤色, マグ): such a
search scanned a large seller's 230,000 titles, 0.3 s alone and seconds under load
(docs/benchmarks.md, "Scale"). SQLite has no such index; its search stays a scan.

`zk_title_bigrams(text)` is the set of distinct two-character substrings of the text's first
1,000 characters (catalog/limits.py MAX_TITLE_CHARS: every title imported today fits). The cap
keeps an older, longer title from costing a write seconds: substr() on multibyte text reads from
the start each time. The index holds it for UPPER(title), as the search compares (icontains
runs as UPPER(title) LIKE UPPER(...)). So a two-character search finds a longer title by its
first 1,000 characters only.
"""
from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION zk_title_bigrams(title text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(title, position, 2)), '{}')
    FROM generate_series(1, least(char_length(title), 1000) - 1) AS position
$$
"""
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS product_title_bigrams ON catalog_product USING gin (zk_title_bigrams(UPPER(title)))"
)


def create_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    schema_editor.execute(CREATE_INDEX)
    # The planner weighs the indexed expression only once it is analysed (as in 0009).
    schema_editor.execute("ANALYZE catalog_product")


def drop_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS product_title_bigrams")
        schema_editor.execute("DROP FUNCTION IF EXISTS zk_title_bigrams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0011_catalogue_summary"),
    ]

    operations = [
        migrations.RunPython(create_bigram_index, drop_bigram_index),
    ]
