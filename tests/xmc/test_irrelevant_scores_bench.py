"""bench/xmc/irrelevant_scores.py: its figures inside the category are the model's own."""
import importlib.util
import os

import pytest

from ml.xmc import metrics
from ml.xmc.model import XmcModel
from ml.xmc.train import train

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "xmc", "irrelevant_scores.py")


@pytest.fixture(scope="module")
def irrelevant_scores():
    spec = importlib.util.spec_from_file_location("irrelevant_scores", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_decisions_inside_the_category_score_as_the_models_predictions(
        irrelevant_scores, tmp_path, taxonomy, products, make_tiny_config):
    train(taxonomy, products, make_tiny_config(epochs=1, label_masking=False), tmp_path / "m")
    model = XmcModel.load(tmp_path / "m", device="cpu")
    counts = irrelevant_scores.count_decisions(model, products, batch_size=8)
    scored = metrics.score(products, list(model.predict(products)), taxonomy, products)
    p, r, f1 = metrics.micro_prf(counts["tp_masked"], counts["pred_masked"], counts["gold"])
    assert (p, r, f1) == pytest.approx((scored["micro_p"], scored["micro_r"], scored["micro_f1"]))
    # every decision outside the category adds to the decisions without the discard, and hits nothing
    assert counts["pred_all"] == counts["pred_masked"] + counts["irrelevant_decisions"]
    assert counts["tp_all"] == counts["tp_masked"]
    assert counts["relevant"] == sum(len(model.label_space.relevant(model.label_space.category_index(x["category"])))
                                     for x in products)
