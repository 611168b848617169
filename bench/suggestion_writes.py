#!/usr/bin/env python
"""What writing a re-score's suggestions costs, without the model: `apply_predictions` on chunks
of a review catalogue made by bench/load_review_data.py (issue 15, "Scoring throughput").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zk_bench_review \\
        .venv/bin/python bench/suggestion_writes.py [--chunks 8] [--rounds 3]

Takes --chunks chunks of ZOKUSEI_SCORING_CHUNK_SIZE products spread over the catalogue and, as
predictions, the labels each product is suggested now (about 5.9 a product, 3,000 a chunk:
what a well-trained model writes). Each round gives every label a new score, as a new model
version does, and writes the chunks as a scoring worker does (`apply_predictions`, with the
active version). Prints per round the median time a chunk; then, for one more round, the time
in each kind of statement, and the time to write the same predictions again (a chunk scored
twice). The catalogue's scores change: use a scratch copy.
"""
import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from catalog.models import Product, Suggestion
    from ml.models import ModelVersion
    from ml.suggestions import apply_predictions
    from taxonomy.relevance import relevance_index

    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        raise SystemExit("no active model version: make the catalogue with bench/load_review_data.py")
    names = {value_id: pair for pair, value_id in relevance_index().ids.items()}
    rng = random.Random(args.seed)
    size = settings.ZOKUSEI_SCORING_CHUNK_SIZE
    last = Product.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    chunks = []
    for number in range(args.chunks):
        first = 1 + number * max(1, last // args.chunks)
        products = list(Product.objects.filter(pk__gte=first).order_by("pk")
                        .only("pk", "seller_id", "category_id", "title", "description")[:size])
        predictions = {product.pk: {"id": str(product.pk), "scores": [], "predicted": []} for product in products}
        for product_id, value_id in Suggestion.objects.filter(product_id__in=list(predictions)).values_list(
            "product_id", "value_id"
        ):
            attribute, value = names[value_id]
            predictions[product_id]["scores"].append([attribute, value, 0.0])
            predictions[product_id]["predicted"].append([attribute, value])
        chunks.append((products, list(predictions.values())))
    counts = [sum(len(p["predicted"]) for p in predictions) for _, predictions in chunks]
    print(f"{len(chunks)} chunks of {size} products, {min(counts):,}–{max(counts):,} suggestions each")

    def rescored():
        for _, predictions in chunks:
            for prediction in predictions:
                for entry in prediction["scores"]:
                    entry[2] = round(rng.random(), 4)

    def write_all():
        times = []
        for products, predictions in chunks:
            started = time.perf_counter()
            apply_predictions(version, products, predictions)
            times.append(time.perf_counter() - started)
        return times

    for number in range(args.rounds):
        rescored()
        times = write_all()
        print(f"round {number + 1}, new scores: median {statistics.median(times) * 1000:.0f} ms a chunk "
              f"(each: {', '.join(f'{t * 1000:.0f}' for t in times)})")

    by_statement = defaultdict(float)

    def clock(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = sql.split()[0] + (" … FOR UPDATE" if "FOR UPDATE" in sql else "")
            by_statement[kind] += time.perf_counter() - started

    rescored()
    with connection.execute_wrapper(clock):
        total = sum(write_all())
    parts = ", ".join(f"{kind} {seconds / len(chunks) * 1000:.0f}" for kind, seconds in sorted(by_statement.items()))
    print(f"new scores, timed by statement: {total / len(chunks) * 1000:.0f} ms a chunk, of which SQL (ms): {parts}")
    again = write_all()
    print(f"the same predictions again: median {statistics.median(again) * 1000:.0f} ms a chunk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
