"""ml.xmc.metrics must give exactly the reference scorer's figures (shared/bench/score.py)."""
import collections
import importlib.util
import json
import random

import pytest

from ml.xmc import metrics
from ml.xmc.labels import LabelSpace
from tests.conftest import SHARED_DIR, VIDEOAVE_DIR

from .conftest import make_products

SCORE_PY = SHARED_DIR / "bench" / "score.py"


@pytest.fixture(scope="module")
def reference():
    if not SCORE_PY.exists():
        pytest.skip("shared/bench/score.py not present")
    spec = importlib.util.spec_from_file_location("reference_score", SCORE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _random_predictions(test, space, seed, decided_every=0):
    rng = random.Random(seed)
    rows = []
    for n, p in enumerate(test):
        rel = [space.labels[i] for i in space.relevant(space.category_index(p["category"]))]
        gold = [tuple(l) for l in p["labels"]]
        cand = rng.sample(rel, min(len(rel), 25)) + gold + [("Nope", "x")]  # irrelevant junk is discarded
        scores = [[a, v, round(rng.random() ** (0.3 if (a, v) in gold else 2), 3)] for a, v in cand]
        row = {"id": p["id"], "scores": scores}
        if decided_every and n % decided_every == 0:
            row["predicted"] = [[a, v] for a, v, s in scores if s > 0.3]
        rows.append(row)
    return rows


def _reference_score(ref, tax, train, test, rows, threshold):
    relevant = {tuple(c["path"]): {(a, v) for a, vs in c["attributes"].items() for v in vs}
                for c in tax["categories"]}
    labels = sorted({l for s in relevant.values() for l in s})
    preds = {r["id"]: {(a, v): float(s) for a, v, s in r["scores"]} for r in rows}
    decided = {r["id"]: {tuple(l) for l in r["predicted"]} for r in rows if "predicted" in r}
    freq = collections.Counter(tuple(l) for p in train for l in p["labels"])
    return ref.score(test, preds, relevant, labels, freq, threshold, decided)


def _flat_taxonomy(tax):
    """The reference scorer reads categories literally (no inheritance, no '*'): spell it out."""
    space = LabelSpace.from_taxonomy(tax)
    cats = []
    for i, c in enumerate(space.categories):
        attrs = collections.defaultdict(list)
        for j in space.relevant(i):
            attrs[space.labels[j][0]].append(space.labels[j][1])
        cats.append({"path": list(c), "attributes": dict(attrs)})
    return {"attributes": tax["attributes"], "categories": cats}


@pytest.mark.parametrize("threshold, decided_every", [(0.5, 0), (0.3, 3)])
def test_it_equals_the_reference_on_synthetic_data(reference, taxonomy, threshold, decided_every):
    tax = _flat_taxonomy(taxonomy)
    train, test = make_products(200, seed=3), make_products(60, seed=4, prefix="t")
    rows = _random_predictions(test, LabelSpace.from_taxonomy(tax), 5, decided_every)
    ours = metrics.score(test, rows, taxonomy, train, threshold)
    assert ours == _reference_score(reference, tax, train, test, rows, threshold)
    # a label-frequency mapping works as well as the training products
    assert metrics.score(test, rows, taxonomy, metrics.label_frequency(train), threshold) == ours


def test_it_equals_the_reference_on_videoave(reference):
    if not VIDEOAVE_DIR.exists():
        pytest.skip("VideoAVE not present")
    tax = json.loads((VIDEOAVE_DIR / "taxonomy.json").read_text())
    read = lambda n: [json.loads(l) for l in (VIDEOAVE_DIR / n).read_text().splitlines() if l.strip()]
    train, test = read("train.jsonl"), read("test.jsonl")[:1500]
    rows = _random_predictions(test, LabelSpace.from_taxonomy(tax), 7, decided_every=4)
    assert metrics.score(test, rows, tax, train) == _reference_score(reference, tax, train, test, rows, 0.5)
