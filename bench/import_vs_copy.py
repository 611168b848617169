#!/usr/bin/env python
"""`import_products` against PostgreSQL's own limit, COPY, on the same rows, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/import_vs_copy.py --catalog /tmp/p2m --products 100000 2000000

`--catalog` is a folder written by `manage.py generate_catalog --paper-scale --out DIR`
(taxonomy.json and products.jsonl). For each size N the script:

1. creates a scratch database (`zk_bench_import`, dropped first if it exists) on the server of
   DATABASE_URL, migrates it and imports the taxonomy (not timed);
2. writes the first N lines of products.jsonl to a file (not timed) and runs
   `manage.py import_products --no-progress` on it in a child process: wall time and the
   child's max RSS;
3. copies the rows the import wrote (products and labels) out with `COPY ... TO`, and loads them
   with `COPY ... FROM` into scratch tables of the same shape (`LIKE ... INCLUDING ALL`: the
   same columns, defaults, unique constraints and indexes), timing `COPY TO` and `COPY FROM`
   (with the commit). `LIKE` copies no foreign key; with `--foreign-keys` the COPY is timed a
   second time into tables that also carry the real tables' foreign keys (Django declares
   them DEFERRABLE INITIALLY DEFERRED, so they are checked at commit), which the import pays.

It prints one JSON line per size: products/s for the import and for COPY FROM, their ratio
(goal of issue 15: import >= 50% of COPY's rows/s at 2M products) and the import's max RSS
(goal: within 1.2x from 100k to 2M). The scratch database is dropped at the end unless
`--keep`. Nothing is read from or written to the database DATABASE_URL names, beyond
connecting to its server.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
SCRATCH_DATABASE = "zk_bench_import"
# The tables the import writes, and the columns COPY moves (all of them, in table order).
TABLES = ("catalog_product", "catalog_productlabel")


def server_url(url: str, database: str) -> str:
    """DATABASE_URL with its database name replaced."""
    head, _, _ = url.rpartition("/")
    return f"{head}/{database}"


def recreate_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def manage(*args: str, env: dict) -> dict:
    """Run manage.py in a child process; its wall time and max RSS (wait4, this child only)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed ({process.returncode}):\n{output.decode()[-3000:]}")
    return {"seconds": wall, "max_rss_mb": usage.ru_maxrss / 1024, "output": output.decode()}


def first_lines(source: Path, count: int, target: Path) -> int:
    written = 0
    with source.open("rb") as read, target.open("wb") as write:
        for line in read:
            if written == count:
                break
            write.write(line)
            written += 1
    return written


def copy_limit(url: str, folder: Path, foreign_keys: bool) -> dict:
    """COPY the imported rows out, then into same-shaped scratch tables; both timed."""
    figures = {"copy_to_seconds": 0.0, "copy_from_seconds": 0.0, "rows": {}}
    if foreign_keys:
        figures["copy_from_with_foreign_keys_seconds"] = 0.0
    with psycopg.connect(url) as connection:
        for table in TABLES:
            dump = folder / f"{table}.copy"
            started = time.monotonic()
            with dump.open("wb") as out, connection.cursor().copy(
                sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(table))
            ) as copy:
                for block in copy:
                    out.write(block)
            figures["copy_to_seconds"] += time.monotonic() - started
            figures["copy_from_seconds"] += load_copy(connection, table, dump, f"bench_copy_{table}", with_keys=False)
            figures["rows"][table] = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(f"bench_copy_{table}"))
            ).fetchone()[0]
            if foreign_keys:
                figures["copy_from_with_foreign_keys_seconds"] += load_copy(
                    connection, table, dump, f"bench_copy_fk_{table}", with_keys=True
                )
            dump.unlink()
    return figures


def load_copy(connection, table: str, dump: Path, scratch_name: str, *, with_keys: bool) -> float:
    """Seconds to COPY the dump into a new table shaped like `table`, commit included."""
    scratch = sql.Identifier(scratch_name)
    connection.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(scratch, sql.Identifier(table)))
    if with_keys:
        keys = connection.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        ).fetchall()
        for name, definition in keys:
            connection.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                scratch, sql.Identifier(f"{scratch_name}_{name}"[:63])) + sql.SQL(definition))
    connection.commit()
    started = time.monotonic()
    with dump.open("rb") as source, connection.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(scratch)) as copy:
        while block := source.read(1 << 20):
            copy.write(block)
    connection.commit()
    return time.monotonic() - started


def measure(size: int, catalog: Path, admin_url: str, keep: bool, foreign_keys: bool, scratch_database: str) -> dict:
    url = server_url(admin_url, scratch_database)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    recreate_database(admin_url, scratch_database)
    try:
        manage("migrate", "--no-input", env=env)
        manage("import_taxonomy", str(catalog / "taxonomy.json"), env=env)
        with tempfile.TemporaryDirectory(prefix="zk-import-bench-") as scratch:
            folder = Path(scratch)
            lines = first_lines(catalog / "products.jsonl", size, folder / "products.jsonl")
            imported = manage("import_products", "--no-progress", str(folder / "products.jsonl"), env=env)
            limit = copy_limit(url, folder, foreign_keys)
        products = limit["rows"]["catalog_product"]
        if products != lines:
            raise SystemExit(f"the import wrote {products} products for {lines} lines")
        with psycopg.connect(url) as connection:
            load = os.getloadavg()
            table_mb = connection.execute(
                "SELECT pg_total_relation_size('catalog_product') + pg_total_relation_size('catalog_productlabel')"
            ).fetchone()[0] / 2**20
        import_rate = products / imported["seconds"]
        copy_rate = products / limit["copy_from_seconds"]
        return {
            "products": products,
            "labels": limit["rows"]["catalog_productlabel"],
            "import_seconds": round(imported["seconds"], 1),
            "import_products_per_s": round(import_rate),
            "import_max_rss_mb": round(imported["max_rss_mb"], 1),
            "copy_from_seconds": round(limit["copy_from_seconds"], 1),
            "copy_from_products_per_s": round(copy_rate),
            "copy_to_seconds": round(limit["copy_to_seconds"], 1),
            "import_share_of_copy": round(import_rate / copy_rate, 3),
            **({"copy_with_foreign_keys_products_per_s": round(products / limit["copy_from_with_foreign_keys_seconds"]),
                "import_share_of_copy_with_foreign_keys": round(
                    import_rate * limit["copy_from_with_foreign_keys_seconds"] / products, 3)}
               if foreign_keys else {}),
            "tables_mb": round(table_mb),
            "load_average_after": [round(x, 2) for x in load],
        }
    finally:
        if not keep:
            drop_database(admin_url, scratch_database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", type=Path, required=True, help="folder with taxonomy.json and products.jsonl")
    parser.add_argument("--products", type=int, nargs="+", required=True, help="sizes to measure, one run each")
    parser.add_argument("--scratch-database", default=SCRATCH_DATABASE,
                        help=f"database to create, fill and drop (default {SCRATCH_DATABASE}); dropped first if it exists")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--foreign-keys", action="store_true",
                        help="time COPY a second time into tables with the real tables' foreign keys")
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a PostgreSQL server (COPY is PostgreSQL's)", file=sys.stderr)
        return 2
    for name in ("taxonomy.json", "products.jsonl"):
        if not (args.catalog / name).is_file():
            print(f"{args.catalog / name} is missing: run manage.py generate_catalog --out {args.catalog}", file=sys.stderr)
            return 2
    results = []
    for size in args.products:
        result = measure(size, args.catalog, admin_url, args.keep, args.foreign_keys, args.scratch_database)
        results.append(result)
        print(json.dumps(result), flush=True)
    if len(results) > 1:
        smallest, largest = min(results, key=lambda r: r["products"]), max(results, key=lambda r: r["products"])
        print(json.dumps({"max_rss_growth": round(largest["import_max_rss_mb"] / smallest["import_max_rss_mb"], 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
