#!/usr/bin/env python
"""Score the VideoAVE test products through the Celery inference queue and check that the
stored suggestions score exactly like `python -m ml.xmc predict` on the same model.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zk_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \
        python bench/pipeline_videoave.py --model MODEL_DIR [--bench ../shared/data/videoave] [--work var/bench-pipeline]

MODEL_DIR is a model trained with `python -m ml.xmc train` on the folder's taxonomy and train.jsonl.
The database must be empty (a fresh one): the script migrates it, imports the taxonomy and the
test products *without their labels* (so every gold label can come back as a suggestion),
registers and activates the model, runs a Celery worker on the inference queue until the
catalogue is scored, exports the suggestions and scores both files with bench/score.py.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEYS = ("micro_p", "micro_r", "micro_f1", "macro_p", "macro_r", "macro_f1")


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def score(bench, predictions):
    out = subprocess.run(
        [sys.executable, str(Path(bench).resolve().parents[1] / "bench" / "score.py"), bench, predictions, "--json"],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--bench", default=str(ROOT.parent / "shared" / "data" / "videoave"))
    parser.add_argument("--work", default=str(ROOT / "var" / "bench-pipeline"))
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes on the inference queue")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    bench = Path(args.bench)

    unlabelled = work / "test-unlabelled.jsonl"
    with open(bench / "test.jsonl", encoding="utf-8") as source, open(unlabelled, "w", encoding="utf-8") as target:
        for line in source:
            if line.strip():
                product = json.loads(line)
                product["labels"] = []
                target.write(json.dumps(product, ensure_ascii=False) + "\n")

    manage("migrate", "--no-input", "-v", "0")
    manage("import_taxonomy", str(bench / "taxonomy.json"))
    manage("import_products", str(unlabelled), "--seller", "videoave")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from catalog.models import Product, Suggestion

    worker = start_inference_worker("bench", concurrency=args.concurrency)
    try:
        started = time.monotonic()
        manage("register_model", str(Path(args.model).resolve()), "--activate")
        products = Product.objects.count()
        wait_until_scored(worker)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    suggestions = Suggestion.objects.count()
    print(f"scored {products} products through the inference queue in {elapsed:.1f} s "
          f"({products / elapsed:.1f} products/s); {suggestions} suggestions stored")

    stored = work / "stored.jsonl"
    direct = work / "direct.jsonl"
    manage("export_predictions", "--out", str(stored), "--seller", "videoave")
    subprocess.run([sys.executable, "-m", "ml.xmc", "predict", "--model", args.model, "--input",
                    str(bench / "test.jsonl"), "--out", str(direct)], cwd=ROOT, check=True)
    from_db, from_cli = score(str(bench), str(stored)), score(str(bench), str(direct))
    print(f"{'':22} " + " ".join(f"{k:>9}" for k in KEYS))
    for name, figures in (("stored suggestions", from_db), ("ml.xmc predict", from_cli)):
        print(f"{name:22} " + " ".join(f"{100 * figures[k]:9.2f}" for k in KEYS))
    same = all(abs(from_db[k] - from_cli[k]) < 1e-12 for k in KEYS)
    print("identical" if same else "DIFFERENT")
    return 0 if same else 1


def start_inference_worker(name, concurrency=1, env=None, log=None, prefetch_multiplier=None) -> subprocess.Popen:
    """A Celery worker on the inference and default queues, in its own session (stopped with
    terminate()); its output goes to `log` (a path) when given. `prefetch_multiplier` overrides
    the project's CELERY_WORKER_PREFETCH_MULTIPLIER (1) for this worker."""
    output = open(log, "w") if log else None
    prefetch = ["--prefetch-multiplier", str(prefetch_multiplier)] if prefetch_multiplier else []
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "inference,default", "-l", "WARNING",
         "--concurrency", str(concurrency), "-n", f"{name}@%h", *prefetch],
        cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT if output else None,
    )


def wait_until_scored(worker, idle_checks=3):
    """The catalogue is scored when the queues are empty and the worker has nothing active."""
    from config.celery import app

    idle = 0
    while idle < idle_checks:
        if worker.poll() is not None:
            raise SystemExit("the worker stopped")
        time.sleep(2)
        with app.connection_for_read() as connection:
            waiting = sum(queue_length(connection, q) for q in ("inference", "default"))
        active = app.control.inspect(timeout=2).active() or {}
        busy = sum(len(tasks) for tasks in active.values())
        idle = idle + 1 if waiting == 0 and busy == 0 and active else 0


def queue_length(connection, queue):
    from amqp.exceptions import ChannelError

    try:
        return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:  # Redis keeps no key for an empty queue
        return 0


if __name__ == "__main__":
    sys.exit(main())
