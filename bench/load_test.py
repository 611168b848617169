#!/usr/bin/env python
"""The review queue under load: gunicorn on a catalogue made by bench/load_review_data.py,
Locust's reviewers (bench/locustfile.py) against it on loopback, the figures read back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/load_review_data.py --products 1000000 --database zk_bench_review
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/load_test.py --database zk_bench_review --users 20 --run-time 120

What it does:
1. picks the reviewers from the catalogue: the largest sellers, middle ones and sellers with
   fewer than 100 products (size classes large, medium, small), and for each some categories
   and title words of their own products with pending suggestions, for the queue's filters;
2. starts gunicorn (production settings on loopback: DEBUG off, persistent database
   connections) on a free port of 127.0.0.1 against that database;
3. runs Locust headless, bounded in users and time, and reads its statistics back;
4. prints each request's count, failures, median, p95 and p99 in ms, the goals of issue 15
   (p95 ≤ 50 ms for queue and product pages, ≤ 100 ms for a decision or undo round trip,
   zero failures; with --staff, ≤ 500 ms for the staff pages of one member of staff working beside
   them) marked met or not met, the load average before and after, and where the CPU
   went meanwhile (gunicorn, PostgreSQL, Locust; from /proc); with --json, writes them to a file.

Exit status 1 when any request failed (CI runs it small and asserts only that); the latency
goals are reported, never asserted. Decisions are undone by the reviewers, so a run leaves the
catalogue as it was but for the few decisions in flight when the time ran out.
"""
import argparse
import csv
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_review_data import DEFAULT_PASSWORD, STAFF_USERNAME, server_url  # noqa: E402
from bench.pipeline_videoave import start_inference_worker  # noqa: E402

# Goals of issue 15, in ms at the 95th percentile.
PAGE_GOAL_MS = 50
DECISION_GOAL_MS = 100
STAFF_PAGE_GOAL_MS = 500
SMALL_SELLER_PRODUCTS = 100
LARGE_SELLERS = 8  # the largest sellers form the "large" class


def pick_reviewers(url: str, count: int, seed: int) -> list[dict]:
    """Reviewers spread over the size classes, each with filters from their own products."""
    rng = random.Random(seed)
    with psycopg.connect(url) as connection:
        sizes = connection.execute(
            "SELECT s.id, s.slug, count(p.id) FROM catalog_seller s JOIN catalog_product p ON p.seller_id = s.id "
            "GROUP BY s.id, s.slug ORDER BY count(p.id) DESC, s.id"
        ).fetchall()
        if not sizes:
            raise SystemExit("the database holds no products: run bench/load_review_data.py first")
        if len(sizes) < count:
            raise SystemExit(f"{count} reviewers need as many sellers; the catalogue has {len(sizes)}")
        large = sizes[:LARGE_SELLERS]
        small = [row for row in sizes[LARGE_SELLERS:] if row[2] < SMALL_SELLER_PRODUCTS]
        medium = [row for row in sizes[LARGE_SELLERS:] if row[2] >= SMALL_SELLER_PRODUCTS]
        # One reviewer a seller (two would undo each other's decisions), taken from the size
        # classes in turn.
        queues = [(name, list(rows)) for name, rows in (("large", large), ("medium", medium), ("small", small))]
        picked = []
        while len(picked) < count:
            for name, rows in queues:
                if rows and len(picked) < count:
                    picked.append((name, rows.pop(0)))
        chosen = []
        for name, (seller_id, slug, products) in picked:
            # Categories and titles of products that still have something to review.
            sample = connection.execute(
                "SELECT p.category_id, p.title FROM catalog_product p WHERE p.seller_id = %s AND EXISTS ("
                "SELECT 1 FROM catalog_suggestion s WHERE s.product_id = p.id AND s.status = 'pending') "
                "ORDER BY p.id LIMIT 200",
                (seller_id,),
            ).fetchall()
            categories = sorted({category for category, _title in sample})
            words = sorted({word for _c, title in sample for word in re.split(r"\s+", title) if len(word) >= 2})
            chosen.append({
                "username": f"seller-{slug}",
                "size": name,
                "products": products,
                "categories": rng.sample(categories, min(5, len(categories))),
                "words": rng.sample(words, min(5, len(words))),
            })
    return chosen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {base}/healthz within {timeout:.0f} s")


def goal_of(name: str) -> int | None:
    if name.startswith("[staff] "):
        return STAFF_PAGE_GOAL_MS
    if " decide " in name or name.endswith(" undo"):
        return DECISION_GOAL_MS
    if " queue " in name or name.endswith(" product") or name.endswith("(prefetch)") or name.endswith(" seen"):
        return PAGE_GOAL_MS
    return None  # sign-in: once per reviewer, no goal


def read_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as file:
        # Requests made only before the statistics were reset (sign-in) are listed with N/A.
        rows = [row for row in csv.DictReader(file) if row["Name"] != "Aggregated" and int(row["Request Count"])]
    return [
        {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": float(row["Median Response Time"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "goal_ms": goal_of(row["Name"]),
            # Not a request: the Locust file's count of decisions refused because a re-score
            # withdrew the suggestion meanwhile (their requests are in the decide rows).
            "note": row["Type"] == "NOTE",
        }
        for row in sorted(rows, key=lambda row: row["Name"])
    ]


def read_failures(prefix: str) -> list[str]:
    path = f"{prefix}_failures.csv"
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", newline="") as file:
        return [f"{row['Name']}: {row['Error']} ({row['Occurrences']}×)" for row in csv.DictReader(file)]


class LockWaits:
    """Samples, every `interval` s while the load runs, the database's sessions waiting for a
    lock (pg_stat_activity): how often anyone waited, the longest wait seen, and what waited."""

    def __init__(self, url: str, interval: float = 0.1):
        self.url, self.interval = url, interval
        self.samples = self.waiting_samples = 0
        self.longest_ms = 0.0
        self.statements: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self._stop.wait(self.interval):
                rows = connection.execute(
                    # The statement's start and its end (the WHERE and any FOR UPDATE say whose it is).
                    "SELECT extract(epoch FROM now() - query_start) * 1000, left(query, 40) || ' … ' || right(query, 90) "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchall()
                self.samples += 1
                self.waiting_samples += bool(rows)
                for waited_ms, query in rows:
                    self.longest_ms = max(self.longest_ms, float(waited_ms))
                    self.statements[query] = self.statements.get(query, 0) + 1


class CpuUse:
    """Where the machine's CPU went while the load ran: seconds of CPU by command name (gunicorn,
    postgres, locust, celery...), read from /proc before and after, and the share of all cores
    that was busy (/proc/stat). A process that ended inside the window is missed, except Locust,
    which is counted by this process's children's usage. Linux only; empty elsewhere."""

    def __init__(self):
        self.by_command: dict[str, float] = {}
        self.busy_share = self.seconds = 0.0

    def __enter__(self):
        self._before, self._machine_before = _cpu_by_command(), _machine_jiffies()
        self._children_before = _children_cpu_seconds()
        self._started = time.monotonic()
        return self

    def __exit__(self, *exc):
        after, machine_after = _cpu_by_command(), _machine_jiffies()
        self.seconds = time.monotonic() - self._started
        if not after:
            return  # no /proc: by_command stays empty, and summary() says so
        self.by_command = {name: seconds - self._before.get(name, 0.0) for name, seconds in after.items()}
        self.by_command["locust"] = self.by_command.get("locust", 0.0) + _children_cpu_seconds() - self._children_before
        if self._machine_before and machine_after:
            busy = machine_after[0] - self._machine_before[0]
            total = machine_after[1] - self._machine_before[1]
            self.busy_share = busy / total if total else 0.0

    def summary(self) -> str:
        if not self.by_command:
            return "CPU use: not available on this system"
        cores = os.cpu_count() or 1
        top = sorted(((name, seconds) for name, seconds in self.by_command.items() if seconds >= 0.5),
                     key=lambda item: -item[1])
        parts = ", ".join(f"{name} {seconds:.0f} s ({seconds / self.seconds:.2f} cores)" for name, seconds in top[:6])
        return (f"CPU use over the {self.seconds:.0f} s: the {cores} cores {self.busy_share:.0%} busy; {parts}")


def _cpu_by_command() -> dict[str, float]:
    totals: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        entries = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return totals
    for pid in entries:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stream:
                stat = stream.read()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime and stime, the 14th and 15th fields of the line (11 and 12 after the name)
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return totals


def _machine_jiffies() -> tuple[int, int] | None:
    """(busy, all) jiffies of every core since boot, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="utf-8") as stream:
            values = [int(value) for value in stream.readline().split()[1:]]
    except OSError:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle and waiting for I/O
    return sum(values) - idle, sum(values)


def _children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_rescoring(model: str, environment: dict, work: Path, torch_threads: int | None = None) -> subprocess.Popen:
    """A Celery worker on the inference queue, then the model registered and activated: the
    catalogue's re-score runs while the reviewers work (`--while-rescoring`)."""
    purge_scoring_queues(environment)
    threads = {"OMP_NUM_THREADS": str(torch_threads)} if torch_threads else {}
    worker = start_inference_worker("bench-rescore", env={**environment, **threads}, log=work / "worker.log")
    subprocess.run([sys.executable, "manage.py", "register_model", str(Path(model).resolve()), "--activate"],
                   cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL)
    return worker


def purge_scoring_queues(environment: dict) -> None:
    """Drop the messages left on the broker's scoring queues. A re-score is cut short when the
    load ends, with most of its chunks still queued; the next run's worker would score those
    (another database's version of the same id) before its own."""
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f", "-Q", "inference,default"],
                   cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL)


def rescored(url: str) -> tuple[int, int]:
    """(chunks of the newest version scored, products in them)."""
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM ml_scoringchunk WHERE done_at IS NOT NULL "
            "AND version_id = (SELECT max(id) FROM ml_modelversion)"
        ).fetchone()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="zk_bench_review", help="made by bench/load_review_data.py")
    parser.add_argument("--users", type=int, default=20, help="concurrent reviewers")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="reviewers started per second")
    parser.add_argument("--run-time", type=int, default=120, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="FOLDER", help="keep Locust's CSV files and gunicorn's log here")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here as JSON")
    parser.add_argument("--staff", action="store_true",
                        help="one member of staff beside the reviewers, reading the overview, runs and versions "
                             "pages (goal p95 ≤ 500 ms)")
    parser.add_argument("--while-rescoring", metavar="MODEL_DIR",
                        help="activate this model (ml.xmc folder) first, so that a Celery worker re-scores the "
                             "catalogue on the inference queue while the reviewers work (needs CELERY_BROKER_URL, naming a "
                             "broker database of its own: the inference and default queues are purged before and after)")
    parser.add_argument("--rescore-threads", type=int, metavar="N",
                        help="torch threads of the re-scoring worker (OMP_NUM_THREADS; default: torch's own, one "
                             "a core): 1 leaves a core to the web server, as a worker on another machine would")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name the PostgreSQL server that holds --database")
    url = server_url(admin_url, args.database)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="zk-load-"))
    work.mkdir(parents=True, exist_ok=True)
    plan = work / "plan.json"
    reviewers = pick_reviewers(url, args.users, args.seed)
    plan.write_text(json.dumps({"password": args.password, "reviewers": reviewers, "staff": STAFF_USERNAME},
                               ensure_ascii=False))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Connections kept across requests, as a deployment behind gunicorn does.
        "DATABASE_CONN_MAX_AGE": "60",
        "ZOKUSEI_VAR_DIR": str(work / "var"),
    }
    worker = None
    gunicorn_log = open(work / "gunicorn.log", "w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class",
         "gthread" if args.threads > 1 else "sync", "--access-logfile", "-"],
        cwd=ROOT, env=environment, stdout=gunicorn_log, stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(base, server)
        if args.while_rescoring:
            worker = start_rescoring(args.while_rescoring, environment, work, args.rescore_threads)
        load_before = os.getloadavg()
        started = time.monotonic()
        lock_waits, cpu = LockWaits(url), CpuUse()
        with lock_waits, cpu:
            locust = subprocess.run(
            [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"),
             *(["Reviewer", "StaffMember"] if args.staff else ["Reviewer"]),
             "--headless", "--host", base, "--users", str(args.users + args.staff), "--spawn-rate", str(args.spawn_rate),
             "--run-time", f"{args.run_time}s", "--csv", str(work / "locust"), "--only-summary",
             "--loglevel", "WARNING", "--stop-timeout", "10"],
            cwd=ROOT, env={**os.environ, "ZOKUSEI_LOAD_PLAN": str(plan)}, capture_output=True, text=True,
            )
        seconds = time.monotonic() - started
        load_after = os.getloadavg()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
            purge_scoring_queues(environment)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        gunicorn_log.close()
    if not os.path.exists(work / "locust_stats.csv"):
        sys.stderr.write(locust.stdout[-4000:] + locust.stderr[-4000:])
        raise SystemExit("Locust wrote no statistics")

    stats = read_stats(str(work / "locust"))
    failures = read_failures(str(work / "locust"))
    print(f"{args.users} reviewers{' and 1 member of staff' if args.staff else ''} for {seconds:.0f} s against gunicorn ({args.workers} workers × {args.threads} "
          f"threads), database {args.database}; load average before {load_before[0]:.2f}, after "
          f"{load_after[0]:.2f} (1 min), {load_after[1]:.2f} (5 min)")
    print(f"{'request':<42} {'count':>6} {'fail':>5} {'median':>7} {'p95':>6} {'p99':>6}  goal")
    for row in stats:
        goal = row["goal_ms"]
        verdict = "" if goal is None else (f"≤ {goal} met" if row["p95_ms"] <= goal else f"≤ {goal} NOT met")
        print(f"{row['name']:<42} {row['requests']:>6} {row['failures']:>5} {row['median_ms']:>7.0f} "
              f"{row['p95_ms']:>6.0f} {row['p99_ms']:>6.0f}  {verdict}")
    total_failures = sum(row["failures"] for row in stats)
    for line in failures[:20]:
        print(f"failure: {line}")
    missed = [row["name"] for row in stats if row["goal_ms"] is not None and row["p95_ms"] > row["goal_ms"]]
    print(f"lock waits: {lock_waits.waiting_samples} of {lock_waits.samples} samples (every "
          f"{lock_waits.interval * 1000:.0f} ms) saw a session of this database waiting for a lock; longest wait "
          f"seen {lock_waits.longest_ms:.0f} ms")
    for query, count in sorted(lock_waits.statements.items(), key=lambda item: -item[1])[:5]:
        print(f"  waiting ({count}×): {query}")
    print(cpu.summary())
    rescore = None
    if args.while_rescoring:
        chunks, products = rescored(url)
        rescore = {"chunks": chunks, "products": products, "torch_threads": args.rescore_threads}
        print(f"re-score meanwhile: {chunks} chunks, {products:,} products scored by the worker "
              f"({args.rescore_threads or 'default'} torch threads)")
    requests = sum(row["requests"] for row in stats if not row["note"])
    print(f"{requests} requests ({requests / seconds:.1f}/s), {total_failures} failed; "
          f"{len(missed)} of {sum(row['goal_ms'] is not None for row in stats)} goals not met")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "users": args.users, "staff": args.staff, "seconds": round(seconds, 1), "requests": requests, "failures": total_failures,
            "goals_missed": missed, "load_before": round(load_before[0], 2),
            "load_after": [round(value, 2) for value in load_after], "stats": stats,
            "cpu_seconds": {name: round(seconds, 1) for name, seconds in cpu.by_command.items() if seconds >= 0.1},
            "cpu_busy_share": round(cpu.busy_share, 3), "rescore": rescore,
        }, ensure_ascii=False, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if total_failures or not stats:
        print(f"load test: {total_failures} failed requests", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
