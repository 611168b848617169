#!/usr/bin/env python
"""Catalogue scoring through the Celery inference queue against `python -m ml.xmc predict` on
the same products and the same model, in one run (issue 15, "Scoring throughput").

    .venv/bin/python manage.py generate_catalog --paper-scale --products 200000 --out /tmp/p200k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/scoring_vs_predict.py --catalog /tmp/p200k --database zk_bench_scoring

1. a scratch database (dropped and made again): migrate, import the catalogue's taxonomy and
   products (with the labels the generator gives them, as a seller would); then VACUUM ANALYZE
   and CHECKPOINT, so that neither side pays for the import's aftermath;
2. a model: the demo's small BERT built from scratch on the first --train-products products'
   text, trained for --epochs on them with the demo's settings (throughput, not quality, is
   measured: the two sides use the same model whatever it learnt);
3. `python -m ml.xmc predict` on the catalogue's products.jsonl (reads the file, writes
   predictions JSONL): the limit;
4. the pipeline: a Celery worker on the inference queue, `register_model --activate`, which
   fans the catalogue out in chunks (ZOKUSEI_SCORING_CHUNK_SIZE); timed from the activation
   until the queues are empty. Each chunk reads its products, predicts, and writes the
   suggestions (upsert, withdrawals) in one transaction.

Both sides get the same torch threads (--threads) and run fp32. Prints one line per side and
the ratio; the goal is the pipeline within 15% of predict (products/s ≥ 0.85 × predict's).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_review_data import server_url  # noqa: E402
from bench.pipeline_videoave import start_inference_worker, wait_until_scored  # noqa: E402

GOAL_RATIO = 0.85


def run(*command, env=None):
    subprocess.run([str(part) for part in command], cwd=ROOT, check=True, env=env)


def timed(*command, env=None) -> float:
    started = time.monotonic()
    run(*command, env=env)
    return time.monotonic() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", required=True, help="a folder written by generate_catalog")
    parser.add_argument("--database", default="zk_bench_scoring", help="scratch database (dropped first)")
    parser.add_argument("--work", default=str(ROOT / "var" / "bench-scoring"), help="model and predictions")
    parser.add_argument("--train-products", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="torch threads on both sides")
    parser.add_argument("--prefetch-multiplier", type=int, default=None,
                        help="the worker's messages reserved per process (default: the project's, 1)")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (the scratch database is made beside it)")
    catalog, work = Path(args.catalog), Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    python = sys.executable

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.database)))
    env = {**os.environ, "DATABASE_URL": server_url(admin_url, args.database),
           "OMP_NUM_THREADS": str(args.threads), "ZOKUSEI_VAR_DIR": str(work / "var")}
    # This process reads the scratch database too (the suggestions' count): Django is set up
    # on it before anything imports a model (demo.steps does).
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from catalog.models import Suggestion
    from demo.steps import SCRATCH_ENCODER, SCRATCH_TRAINING

    run(python, "manage.py", "migrate", "--no-input", "-v", "0", env=env)
    run(python, "manage.py", "import_taxonomy", catalog / "taxonomy.json", env=env)
    import_seconds = timed(python, "manage.py", "import_products", catalog / "products.jsonl", "--no-progress",
                           env=env)
    products = sum(1 for line in open(catalog / "products.jsonl", encoding="utf-8") if line.strip())
    # The catalogue at rest before either side is timed: the import's dirty pages written out and
    # its tables vacuumed, as on a catalogue that has been running. Otherwise the checkpoint and
    # autovacuum that follow a large import fall on whichever side runs then (the queue's
    # commits wait for the disk; predict writes nothing to the database).
    started = time.monotonic()
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as scratch:
        scratch.execute("VACUUM ANALYZE")
        scratch.execute("CHECKPOINT")
    settle_seconds = time.monotonic() - started

    model = work / "model"
    if not (model / "xmc_config.json").exists():
        from ml.xmc.scratch import build_scratch_encoder

        train = work / "train.jsonl"
        texts = []
        with open(catalog / "products.jsonl", encoding="utf-8") as source, open(train, "w", encoding="utf-8") as out:
            for number, line in enumerate(source):
                if number >= args.train_products:
                    break
                out.write(line)
                product = json.loads(line)
                texts.append(f"{product['title']} {product.get('description', '')}")
        build_scratch_encoder(texts, work / "encoder", seed=0, **SCRATCH_ENCODER)
        options = {name: value for name, value in SCRATCH_TRAINING.items() if name != "bf16"}
        options["epochs"] = args.epochs
        flags = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
        run(python, "-m", "ml.xmc", "train", "--taxonomy", catalog / "taxonomy.json", "--train", train,
            "--encoder", work / "encoder", "--out", model, "--threads", args.threads, "--no-bf16", *flags, env=env)

    direct = work / "direct.jsonl"
    predict_seconds = timed(python, "-m", "ml.xmc", "predict", "--model", model, "--input",
                            catalog / "products.jsonl", "--out", direct, "--threads", args.threads, env=env)

    worker = start_inference_worker("bench-scoring", env=env, prefetch_multiplier=args.prefetch_multiplier)
    try:
        started, started_at = time.monotonic(), time.time()
        run(python, "manage.py", "register_model", model.resolve(), "--activate", env=env)
        wait_until_scored(worker)
        pipeline_seconds = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    suggestions = Suggestion.objects.count()
    # The same span ended at the last chunk's commit instead of when the script saw the queues
    # empty (it polls every few seconds): the scoring itself, without the measuring's wait.
    from django.db.models import Max

    from ml.models import ScoringChunk

    last_commit = ScoringChunk.objects.aggregate(last=Max("done_at"))["last"].timestamp()
    committed_seconds = last_commit - started_at

    predict_rate, pipeline_rate = products / predict_seconds, products / pipeline_seconds
    ratio = pipeline_rate / predict_rate
    load = os.getloadavg()
    print(f"{products:,} products (import {import_seconds:.0f} s, then VACUUM ANALYZE and CHECKPOINT "
          f"{settle_seconds:.0f} s); {args.threads} torch threads, fp32; worker prefetch multiplier "
          f"{args.prefetch_multiplier or 'the default (1)'}")
    print(f"ml.xmc predict     {predict_seconds:8.1f} s  {predict_rate:8.1f} products/s")
    print(f"inference queue    {pipeline_seconds:8.1f} s  {pipeline_rate:8.1f} products/s  "
          f"({suggestions:,} suggestions stored), until the queues were seen empty")
    print(f"inference queue    {committed_seconds:8.1f} s  {products / committed_seconds:8.1f} products/s  "
          f"until the last chunk committed (queue / predict = {products / committed_seconds / predict_rate:.2f})")
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(f"queue / predict = {ratio:.2f} (goal ≥ {GOAL_RATIO}: {verdict}); load average after "
          f"{load[0]:.2f} / {load[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
