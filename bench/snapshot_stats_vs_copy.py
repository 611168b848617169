#!/usr/bin/env python
"""Training snapshot and `catalog_stats` against `COPY ... TO` of the rows they read, with
their memory, on catalogues of several sizes (issue 15, "Snapshots and stats").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/snapshot_stats_vs_copy.py zk_bench_small zk_bench_review

Each argument is a database on that server holding a catalogue (bench/load_review_data.py
makes them). Per database, in child processes whose max RSS is read by wait4:
- `ml.snapshots.create_snapshot()` (into a temporary folder): products in id batches with
  their labels and explicit negatives, written as JSONL;
- `manage.py catalog_stats` (the paper's Table 2 figures);
- the limit: `COPY ... TO STDOUT` of the same rows (products' id, category, title and
  description; labels with attribute and value names; rejected and corrected suggestions with
  theirs), read and thrown away by psycopg in this process.
Prints seconds, max RSS and the ratio to COPY per database, and the load average.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_review_data import server_url  # noqa: E402

# The rows the snapshot reads, as one COPY each.
COPY_QUERIES = (
    "SELECT id, category_id, title, description FROM catalog_product",
    "SELECT l.product_id, a.name, v.name FROM catalog_productlabel l "
    "JOIN taxonomy_attributevalue v ON v.id = l.value_id JOIN taxonomy_attribute a ON a.id = v.attribute_id",
    "SELECT s.product_id, a.name, v.name FROM catalog_suggestion s "
    "JOIN taxonomy_attributevalue v ON v.id = s.value_id JOIN taxonomy_attribute a ON a.id = v.attribute_id "
    "WHERE s.status IN ('rejected', 'corrected')",
)
SNAPSHOT = (
    "import django; django.setup(); "
    "from ml.snapshots import create_snapshot; s = create_snapshot(); "
    "print(s.product_count, s.positive_count, s.negative_count)"
)


def child(command, env) -> tuple[float, float, str]:
    """(seconds, max RSS in MB, standard output) of one child process."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[1:3]} failed with status {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss / 1024, output.strip()


def copy_out(url) -> tuple[float, int]:
    started, size = time.monotonic(), 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for query in COPY_QUERIES:
            with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                for block in copy:
                    size += len(block)
    return time.monotonic() - started, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("databases", nargs="+")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name the PostgreSQL server that holds the databases")
    print("| database | products | snapshot s | snapshot MB | stats s | stats MB | COPY TO s (MB out) | "
          "snapshot / COPY | stats / COPY |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for database in args.databases:
        url = server_url(admin_url, database)
        with tempfile.TemporaryDirectory(prefix="zk-snapshot-") as folder:
            env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
                   "ZOKUSEI_VAR_DIR": folder, "ZOKUSEI_MODEL_DIR": str(Path(folder) / "models")}
            copy_seconds, copy_bytes = copy_out(url)
            snapshot_seconds, snapshot_mb, counts = child([sys.executable, "-c", SNAPSHOT], env)
            stats_seconds, stats_mb, stats = child([sys.executable, "manage.py", "catalog_stats"], env)
        products = int(counts.split()[0]) if counts else 0
        with psycopg.connect(url) as connection:
            total = connection.execute("SELECT count(*) FROM catalog_product").fetchone()[0]
        print(f"| {database} | {total:,} ({products:,} annotated) | {snapshot_seconds:.1f} | {snapshot_mb:.0f} | "
              f"{stats_seconds:.1f} | {stats_mb:.0f} | {copy_seconds:.1f} ({copy_bytes / 2**20:.0f}) | "
              f"{snapshot_seconds / copy_seconds:.1f}× | {stats_seconds / copy_seconds:.1f}× |", flush=True)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
