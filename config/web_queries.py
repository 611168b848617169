"""PostgreSQL settings for the web server's own connections.

No parallel query in a web request. Its queries each read a few hundred rows, and many
requests run at once, so a parallel plan buys nothing and takes the cores other requests are
waiting for. When the planner misjudges a query, it is worse: the queue's count of a medium
seller's products (EXISTS over their pending suggestions, estimated at 57 rows, 1,001 read)
launched 2 parallel workers and took 12 ms in PostgreSQL instead of 2, 19 ms against 8 for the
queue's totals (docs/benchmarks.md, "Seventh pass"). Celery workers and beat keep PostgreSQL's
default for their catalogue-wide scans (the overview's summary, snapshots).
"""
from django.db.backends.signals import connection_created


def _serial_queries(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")


def use_serial_queries() -> None:
    """Every database connection this process opens from now on plans without parallel workers."""
    connection_created.connect(_serial_queries, dispatch_uid="zokusei-serial-web-queries")
