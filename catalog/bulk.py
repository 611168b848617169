"""Finding and inserting many products and labels at once: PostgreSQL's COPY and array joins
where the database is PostgreSQL, the ORM's bulk operations elsewhere (SQLite).

The import (catalog/importing.py) checks each line before its batch comes here, so the rows
are already valid; what COPY saves is Django building a model instance
and a parameterised INSERT for each row (docs/benchmarks.md, "Import against COPY"). Rows are
plain tuples for the same reason. Both paths run inside the caller's transaction: a failure
rolls back everything, as before.
"""
from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .models import Product, ProductLabel

PRODUCT_COLUMNS = ("seller_id", "external_id", "category_id", "title", "description")
LABEL_COLUMNS = ("product_id", "value_id", "source", "created_by_id")


def existing_products(keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple]:
    """The products with these (seller id, external id): key -> (id, category id, title, description)."""
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        # One join against the keys as two arrays: the ORM's form below is an OR per seller,
        # which PostgreSQL plans slowly when a batch spans hundreds of sellers.
        table = Product._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.seller_id, p.external_id, p.category_id, p.title, p.description FROM {table} p "
                "JOIN unnest(%s::bigint[], %s::text[]) AS k(seller_id, external_id) "
                "ON p.seller_id = k.seller_id AND p.external_id = k.external_id",
                [[seller_id for seller_id, _ in keys], [external_id for _, external_id in keys]],
            )
            found = cursor.fetchall()
    else:
        by_seller = defaultdict(list)
        for seller_id, external_id in keys:
            by_seller[seller_id].append(external_id)
        condition = Q()
        for seller_id, external_ids in by_seller.items():
            condition |= Q(seller_id=seller_id, external_id__in=external_ids)
        found = Product.objects.filter(condition).values_list(
            "id", "seller_id", "external_id", "category_id", "title", "description"
        )
    return {(seller_id, external_id): (product_id, category_id, title, description)
            for product_id, seller_id, external_id, category_id, title, description in found}


def insert_products(rows: list[tuple]) -> list[int]:
    """Insert new products, each a tuple in PRODUCT_COLUMNS' order; their ids, in that order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        products = Product.objects.bulk_create([Product(**dict(zip(PRODUCT_COLUMNS, row, strict=True))) for row in rows])
        return [product.id for product in products]
    table = Product._meta.db_table
    now = timezone.now()  # what auto_now_add and auto_now would set
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # COPY returns no ids: take them from the table's sequence first, as INSERT would.
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)])
        ids = [product_id for (product_id,) in cursor.fetchall()]
        columns = ", ".join(("id", *PRODUCT_COLUMNS, "created_at", "updated_at"))
        # Errors of the raw COPY become Django's (wrap_database_errors): an IntegrityError for a
        # product another import inserted meanwhile, as bulk_create would raise.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for product_id, row in zip(ids, rows, strict=True):
                copy.write_row((product_id, *row, now, now))
    return ids


def insert_labels(rows: list[tuple]) -> None:
    """Insert new product labels, each a tuple in LABEL_COLUMNS' order."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ProductLabel.objects.bulk_create([ProductLabel(**dict(zip(LABEL_COLUMNS, row, strict=True))) for row in rows])
        return
    table = ProductLabel._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {table} ({', '.join((*LABEL_COLUMNS, 'created_at'))}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, now))


def check_foreign_keys_per_statement() -> None:
    """Check the foreign keys of the rows the rest of the transaction writes as each statement
    ends, instead of at commit (PostgreSQL; Django declares them DEFERRABLE INITIALLY DEFERRED).

    The checks are the same; what changes is when they run. Deferred, a 2M-product import
    queued one check per key of its ~10.8M rows and ran them all in its COMMIT (more than 8
    minutes of 18, docs/benchmarks.md "Scale"), with nothing else to do meanwhile. Per
    statement, each batch's checks run while the import checks the next batch's lines.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def is_deadlock(error: Exception) -> bool:
    """Whether a database error is PostgreSQL's deadlock detector rolling this transaction back."""
    return getattr(error.__cause__, "sqlstate", None) == "40P01"


# Rows an import must have written before it refreshes the planner's statistics.
ANALYZE_AFTER_ROWS = 50_000


def refresh_planner_statistics() -> None:
    """ANALYZE the tables a large import wrote (PostgreSQL; a sample, about a second at any
    size). Until autovacuum gets to a table that grew by millions of rows, PostgreSQL plans
    with no statistics: after a 2M-product import a training snapshot read all 8.8M labels
    for every batch of 2,000 products (581 s instead of about 60, docs/benchmarks.md "Scale")."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Product._meta.db_table}, {ProductLabel._meta.db_table}")

