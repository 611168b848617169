#!/usr/bin/env python
"""The queue's totals (products and suggestions matching the filter, counted up to their caps)
for every seller of a review catalogue, in process:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zk_bench_review .venv/bin/python bench/queue_totals.py

For each seller's user (bench/load_review_data.py makes one per seller), `frontend.queue.totals`
on their plain pending queue, --repeat calls a round, --rounds rounds; the fastest round's mean
is kept. Prints the median and the slowest sellers, with the web server's connection settings
(config/web_queries.py). Every queue page pays this once.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from accounts.models import User
    from config.web_queries import use_serial_queries
    from frontend.queue import QueueFilters, totals

    use_serial_queries()
    users = list(User.objects.select_related("seller").filter(seller__isnull=False).order_by("username"))
    if not users:
        raise SystemExit("no seller's user in this database")
    best = {}
    for _round in range(args.rounds):
        for user in users:
            totals(user, QueueFilters())
            started = time.perf_counter()
            for _ in range(args.repeat):
                totals(user, QueueFilters())
            ms = (time.perf_counter() - started) / args.repeat * 1000
            best[user.username] = min(ms, best.get(user.username, ms))
    slowest = sorted(best.items(), key=lambda item: -item[1])[:3]
    print(f"queue totals of {len(users)} sellers: median {statistics.median(best.values()):.1f} ms, "
          f"slowest " + ", ".join(f"{name} {ms:.1f} ms" for name, ms in slowest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
