#!/usr/bin/env python
"""A review-sized catalogue in a scratch PostgreSQL database, for the load test (bench/load_test.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/load_review_data.py --products 1000000 --database zk_bench_review

What it writes (issue 15, "Review queue under load"):
- the paper-scale taxonomy of `generate_catalog --paper-scale` (7,979 labels, 6,796 leaves),
  imported with `import_taxonomy`;
- `--products` products drawn by the same generator (titles and descriptions in its
  Japanese, its Zipf-skewed leaves), spread over `--sellers` sellers with a marketplace's
  skew: seller k of the large ones holds a share proportional to 1/k^1.1, and the last
  `--small-sellers` hold 10 to 95 products each;
- per product, a suggestion for each of its true labels plus one or two other labels its
  category allows (about 5.4 per product, 5.4M for 1M products), scored by the model version
  that is active, with a per-attribute cut-off; 85% pending, 10% accepted (with their Decision
  and ProductLabel), 5% rejected (with their Decision);
- two older model versions with runs, one user per seller (`seller-<slug>`) and one staff user
  (`bench-staff`), all with the password `--password`.

Rows go in by COPY with the foreign-key triggers off (`session_replication_role = replica`,
as pg_restore does): they are consistent by construction, and checking 16M references at
commit would take longer than the load. The tables are then VACUUM ANALYZEd, as a catalogue
that has been running is. Prints one JSON line with the counts and the seconds it took.

Nothing is written to the database DATABASE_URL names; the scratch database is dropped and
created again first.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.generator.products import make_product  # noqa: E402
from demo.generator.spec import PAPER_SCALE, spec_with  # noqa: E402
from demo.generator.taxonomy import build_taxonomy  # noqa: E402

# The password of every user the script creates: the load test signs in with it.
DEFAULT_PASSWORD = "bench-review-password"
STAFF_USERNAME = "bench-staff"
# Share of suggestions per status (the rest pending).
ACCEPTED_SHARE = 0.10
REJECTED_SHARE = 0.05
# The moment the rows say they were written.
LOADED_AT = datetime(2026, 12, 1, tzinfo=UTC)
# Products per COPY round: memory holds one round of rows.
ROUND = 20_000


def server_url(url: str, database: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{database}"


def seller_sizes(products: int, sellers: int, small_sellers: int, rng) -> list[int]:
    """Products per seller: a Zipf-like head and `small_sellers` with fewer than 100 each."""
    small = [rng.randint(10, 95) for _ in range(small_sellers)]
    large = sellers - small_sellers
    remaining = products - sum(small)
    if large < 1 or remaining < large:
        raise SystemExit(f"--products {products} is too few for {sellers} sellers ({small_sellers} small)")
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(large)]
    total = sum(weights)
    sizes = [max(1, int(remaining * weight / total)) for weight in weights]
    sizes[0] += remaining - sum(sizes)
    return sizes + small


def django_setup(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def migrate_and_import_taxonomy(database_url, taxonomy):
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as file:
        json.dump(taxonomy.to_json(), file, ensure_ascii=False)
    try:
        subprocess.run([sys.executable, "manage.py", "import_taxonomy", file.name], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    finally:
        os.unlink(file.name)


def create_people_and_versions(sizes, password):
    """Sellers, their users, the staff user, three model versions (the last active) with runs."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Seller
    from ml.models import ModelVersion, TrainingRun

    hashed = make_password(password)  # one hash for every user: hashing 120 times costs a minute
    sellers = Seller.objects.bulk_create(
        [Seller(slug=f"bench-{index:03d}", name=f"ベンチ店舗 {index:03d}") for index in range(len(sizes))]
    )
    User.objects.bulk_create(
        [User(username=f"seller-{seller.slug}", password=hashed, seller=seller) for seller in sellers]
        + [User(username=STAFF_USERNAME, password=hashed, is_staff=True)]
    )
    versions = []
    for number in range(3):
        run = TrainingRun.objects.create(status="succeeded", finished_at=timezone.now(), parameters={"epochs": 3})
        versions.append(
            ModelVersion.objects.create(
                run=run, artifact_uri=f"bench://version-{number}", checksum="0" * 64, encoder="bench",
                label_count=7979, metrics={"micro_f1": 0.5 + 0.05 * number}, is_active=number == 2,
                activated_at=timezone.now() if number == 2 else None,
            )
        )
    return [seller.pk for seller in sellers], [version.pk for version in versions]


def label_ids():
    """(attribute name, value name) -> AttributeValue id; category path key -> id."""
    from taxonomy.models import AttributeValue, Category

    values = {
        (attribute, value): pk
        for pk, attribute, value in AttributeValue.objects.values_list("pk", "attribute__name", "name")
    }
    return values, dict(Category.objects.values_list("path_key", "pk"))


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _lines(rows) -> bytes:
    return "".join("\t".join(_copy_text(field) for field in row) + "\n" for row in rows).encode()


class Writer:
    """Buffers rows per table and sends them by COPY."""

    COLUMNS = {
        "catalog_product": ("id", "seller_id", "external_id", "category_id", "title", "description",
                            "created_at", "updated_at"),
        "catalog_suggestion": ("id", "product_id", "seller_id", "value_id", "model_version_id", "score", "threshold",
                               "status", "created_at", "updated_at"),
        "catalog_decision": ("suggestion_id", "action", "user_id", "created_at", "model_version_id", "score"),
        "catalog_productlabel": ("product_id", "value_id", "source", "created_at", "created_by_id"),
    }

    def __init__(self, cursor):
        self.cursor = cursor
        self.rows = {table: [] for table in self.COLUMNS}
        self.counts = dict.fromkeys(self.COLUMNS, 0)

    def add(self, table, row):
        self.rows[table].append(row)

    def flush(self):
        for table, rows in self.rows.items():
            if not rows:
                continue
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, self.COLUMNS[table]))
            )
            with self.cursor.copy(statement) as copy:
                copy.write(_lines(rows))
            self.counts[table] += len(rows)
            rows.clear()


def load_products(connection, taxonomy, spec, sizes, seller_ids, version_ids, user_ids, rng, progress):
    values, categories = label_ids()
    from taxonomy.names import normalize_name, path_key

    active = version_ids[-1]
    thresholds = {}
    now = LOADED_AT.isoformat()
    product_id = suggestion_id = 0
    owners = [seller for seller, size in zip(seller_ids, sizes) for _ in range(size)]
    rng.shuffle(owners)  # a seller's products are spread over the id range, as imports over time make them
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        writer = Writer(cursor)
        for index, seller_id in enumerate(owners):
            product = make_product(taxonomy, spec, index)
            product_id += 1
            leaf = taxonomy.leaves_by_path[tuple(product["category"])]
            writer.add("catalog_product", (product_id, seller_id, product["id"], categories[path_key(product["category"])],
                                           product["title"], product["description"], now, now))
            pairs = [tuple(pair) for pair in product["labels"]]
            allowed = [(name, value) for name, group in leaf.relevant.items() for value in group]
            for _ in range(rng.choice((1, 2))):
                pairs.append(rng.choice(allowed))
            for name, value in dict.fromkeys(pairs):
                value_id = values[(normalize_name(name), normalize_name(value))]
                threshold = thresholds.setdefault(name, round(rng.uniform(0.3, 0.7), 3))
                score = round(rng.random(), 4)
                draw = rng.random()
                status = "accepted" if draw < ACCEPTED_SHARE else (
                    "rejected" if draw < ACCEPTED_SHARE + REJECTED_SHARE else "pending")
                suggestion_id += 1
                writer.add("catalog_suggestion",
                           (suggestion_id, product_id, seller_id, value_id, active, score, threshold, status, now, now))
                if status != "pending":
                    user = user_ids[seller_id]
                    # Decided one at a time over the last 90 days, as sellers do.
                    decided_at = (LOADED_AT - timedelta(seconds=rng.randrange(90 * 86400))).isoformat()
                    writer.add("catalog_decision", (suggestion_id, "accept" if status == "accepted" else "reject",
                                                    user, decided_at, rng.choice(version_ids), score))
                if status == "accepted":
                    writer.add("catalog_productlabel", (product_id, value_id, "suggestion", now, user_ids[seller_id]))
            if product_id % ROUND == 0:
                writer.flush()
                progress(product_id)
        writer.flush()
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("catalog_product", "catalog_suggestion", "catalog_decision", "catalog_productlabel"):
            cursor.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), coalesce(max(id), 1)) FROM {}")
                           .format(sql.Literal(table), sql.Identifier(table)))
    connection.commit()
    return writer.counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--sellers", type=int, default=120)
    parser.add_argument("--small-sellers", type=int, default=20, help="sellers with fewer than 100 products")
    parser.add_argument("--database", default="zk_bench_review", help="the scratch database (dropped first)")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (the scratch database is made beside it)")

    started = time.monotonic()
    rng = random.Random(args.seed)
    spec = spec_with(PAPER_SCALE, products=args.products, seed=args.seed)
    taxonomy = build_taxonomy(spec)
    taxonomy.leaves_by_path = {leaf.path: leaf for leaf in taxonomy.leaves}
    sizes = seller_sizes(args.products, args.sellers, args.small_sellers, rng)

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.database)))
    url = server_url(admin_url, args.database)
    migrate_and_import_taxonomy(url, taxonomy)
    django_setup(url)
    seller_ids, version_ids = create_people_and_versions(sizes, args.password)
    from accounts.models import User

    user_ids = dict(User.objects.filter(seller_id__in=seller_ids).values_list("seller_id", "pk"))

    def progress(done):
        if not args.quiet:
            print(f"{done:,} products, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    with psycopg.connect(url) as connection:
        counts = load_products(connection, taxonomy, spec, sizes, seller_ids, version_ids, user_ids, rng, progress)
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    print(json.dumps({
        "database": args.database,
        "products": counts["catalog_product"],
        "suggestions": counts["catalog_suggestion"],
        "decisions": counts["catalog_decision"],
        "labels": counts["catalog_productlabel"],
        "sellers": len(seller_ids),
        "largest_seller": max(sizes),
        "sellers_under_100": sum(size < 100 for size in sizes),
        "seconds": round(time.monotonic() - started, 1),
    }))


if __name__ == "__main__":
    main()
