#!/usr/bin/env python
"""Where one request's time goes, for the review pages, in-process and with no load around it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zk_bench_review \\
        .venv/bin/python bench/page_profile.py --user seller-<slug> [--profile queue]

Signs in as the user (any user of the database; the password bench/load_review_data.py gives them by default), then
requests the queue (each sort, alone) and the first product of it --repeat times each, with
DEBUG off and a persistent connection, as gunicorn would; then decides that product's first
pending suggestion and undoes it, --repeat times, both asking for JSON as the page's script does. Prints per page the median time,
the median time spent in SQL (from the connection's execute wrapper), the rest (Python:
the view, forms and templates) and this process's CPU time (the same Python work without
PostgreSQL's; steadier than the clock when the machine's speed wanders). --profile PAGE prints cProfile's top functions for that page.
"""
import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_review_data import DEFAULT_PASSWORD  # noqa: E402


class SqlClock:
    """Counts the time and number of the statements run through Django's connection."""

    def __init__(self):
        self.seconds, self.count = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", choices=["queue", "product", "decide", "undo"], help="print cProfile's top functions for it")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"  # loopback: no HTTPS redirect, as in the load test
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if not client.login(username=args.user, password=args.password):
        raise SystemExit(f"cannot sign in as {args.user}")
    queue = client.get("/queue/")
    first = re.search(r'href="(/products/\d+/)', queue.content.decode())
    if first is None:
        raise SystemExit("the user's queue is empty")
    pages = {f"queue {sort}": ("get", f"/queue/?sort={sort}", {}) for sort in ("uncertain", "confident", "newest")}
    product_path = first.group(1)
    pages["product"] = ("get", product_path, {})
    product_page = client.get(product_path).content.decode()
    accept = re.search(r'action="(/products/\d+/suggestions/\d+/accept/)"', product_page)
    if accept:
        # A decision and its undo, in turn: each repeat leaves the suggestion pending again.
        pages["decide accept"] = ("post", accept.group(1), {"HTTP_ACCEPT": "application/json"})
        pages["undo"] = ("post", f"{product_path}undo/", {"HTTP_ACCEPT": "application/json"})

    print(f"{'request':<20} {'median ms':>9} {'sql ms':>7} {'queries':>7} {'other ms':>8} {'cpu ms':>7}  (of {args.repeat} requests)")
    timings = {name: ([], [], [], []) for name in pages}
    decision_round = [name for name in pages if pages[name][0] == "post"]
    for name, (method, url, headers) in pages.items():
        if method == "post":
            continue
        for _ in range(args.repeat):
            _timed(client, connection, method, url, headers, timings[name])
    for _ in range(args.repeat if decision_round else 0):
        for name in decision_round:
            method, url, headers = pages[name]
            _timed(client, connection, method, url, headers, timings[name])
    for name, (totals, sql_times, counts, cpu_times) in timings.items():
        total, sql = statistics.median(totals) * 1000, statistics.median(sql_times) * 1000
        cpu = statistics.median(cpu_times) * 1000
        print(f"{name:<20} {total:9.1f} {sql:7.1f} {statistics.median(counts):7.0f} {total - sql:8.1f} {cpu:7.1f}")
    if args.profile:
        chosen = [name for name in pages if name.startswith(args.profile)][:1]
        if args.profile in ("decide", "undo"):
            chosen = decision_round  # profiled as the round they make
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            for name in chosen:
                method, url, headers = pages[name]
                getattr(client, method)(url, **headers)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


def _timed(client, connection, method, url, headers, into):
    """One request: its time, SQL time, statement count and CPU time appended to `into`'s lists."""
    clock = SqlClock()
    with connection.execute_wrapper(clock):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, **headers)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if response.status_code != 200:
        raise SystemExit(f"{method.upper()} {url}: HTTP {response.status_code}")
    for values, value in zip(into, (elapsed, clock.seconds, clock.count, cpu), strict=True):
        values.append(value)


if __name__ == "__main__":
    sys.exit(main())
