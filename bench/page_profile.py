#!/usr/bin/env python
"""Where one request's time goes, for the review pages, in-process and with no load around it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zk_bench_review \\
        .venv/bin/python bench/page_profile.py --user seller-<slug> [--profile queue]

Signs in as the user (any user of the database; the password bench/load_review_data.py gives
them by default), then requests the queue (each sort, alone) and the first product of it
--repeat times each, with DEBUG off and a persistent connection, as gunicorn would; then
decides that product's first pending suggestion and undoes it, --repeat times, both asking for
JSON as the page's script does. Prints per request the median time, the median time spent in
SQL (from the connection's execute wrapper), the rest (Python: the view, forms and templates)
and this process's CPU time (the same Python work without PostgreSQL's; steadier than the clock
when the machine's speed wanders). --profile prints cProfile's top functions for one of them.
"""
import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from functools import partial
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
    parser.add_argument("--profile", choices=["queue", "product", "decide"],
                        help="print cProfile's top functions for it (decide: the decision and its undo)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"  # loopback: no HTTPS redirect, as in the load test
    import django

    django.setup()
    from django.db import connection

    from config.web_queries import use_serial_queries

    use_serial_queries()  # as config/wsgi.py does for gunicorn's workers
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if not client.login(username=args.user, password=args.password):
        raise SystemExit(f"cannot sign in as {args.user}")
    queue = client.get("/queue/")
    first = re.search(r'href="(/products/\d+/)', queue.content.decode())
    if first is None:
        raise SystemExit("the user's queue is empty")
    # Each round is requested --repeat times, its requests in turn: a page alone, or a decision
    # and its undo (each repeat leaves the suggestion pending again).
    rounds = [[(f"queue {sort}", partial(client.get, f"/queue/?sort={sort}"))] for sort in ("uncertain", "confident", "newest")]
    product_path = first.group(1)
    rounds.append([("product", partial(client.get, product_path))])
    accept = re.search(r'action="(/products/\d+/suggestions/\d+/accept/)"', client.get(product_path).content.decode())
    if accept:
        rounds.append([
            ("decide accept", partial(client.post, accept.group(1), HTTP_ACCEPT="application/json")),
            ("undo", partial(client.post, f"{product_path}undo/", HTTP_ACCEPT="application/json")),
        ])

    print(f"{'request':<20} {'median ms':>9} {'sql ms':>7} {'queries':>7} {'other ms':>8} {'cpu ms':>7}  (of {args.repeat} requests)")
    for requests in rounds:
        timings = {name: ([], [], [], []) for name, _send in requests}
        for _ in range(args.repeat):
            for name, send in requests:
                _timed(name, send, connection, timings[name])
        for name, (totals, sql_times, counts, cpu_times) in timings.items():
            total, sql = statistics.median(totals) * 1000, statistics.median(sql_times) * 1000
            cpu = statistics.median(cpu_times) * 1000
            print(f"{name:<20} {total:9.1f} {sql:7.1f} {statistics.median(counts):7.0f} {total - sql:8.1f} {cpu:7.1f}")
    chosen = next((requests for requests in rounds if args.profile and requests[0][0].startswith(args.profile)), None)
    if chosen:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            for _name, send in chosen:
                send()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


def _timed(name, send, connection, into):
    """One request (`send`): its time, SQL time, statement count and CPU time appended to
    `into`'s lists."""
    clock = SqlClock()
    with connection.execute_wrapper(clock):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = send()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if response.status_code != 200:
        raise SystemExit(f"{name}: HTTP {response.status_code}")
    for values, value in zip(into, (elapsed, clock.seconds, clock.count, cpu), strict=True):
        values.append(value)


if __name__ == "__main__":
    sys.exit(main())
