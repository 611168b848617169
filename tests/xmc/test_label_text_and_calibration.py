"""The label-text head (labels added after training), calibration, and warm starts."""
import copy
import json

import numpy as np
import pytest
import torch

from ml.xmc.calibration import Calibration, expected_calibration_error
from ml.xmc.model import XmcModel
from ml.xmc.train import train


def _grown(taxonomy):
    """The taxonomy after an admin's day: a colour added (allowed by Shoes' "*"), one removed."""
    grown = copy.deepcopy(taxonomy)
    colours = next(a for a in grown["attributes"] if a["name"] == "Color")
    colours["values"] = [v for v in colours["values"] if v["name"] != "black"] + [{"name": "green", "aliases": ["緑"]}]
    return grown


def test_a_label_added_after_training_is_scored_by_its_text_and_a_removed_one_never(trained_model, taxonomy, products):
    model = XmcModel.load(trained_model, device="cpu")
    assert model.network.label_text
    grown = model.for_taxonomy(_grown(taxonomy))

    assert grown.label_space.label_index(("Color", "green")) is not None
    assert grown.info["taxonomy_changed"] == {"labels_added": 1, "labels_removed": 1}
    shoes = [p for p in products if p["category"][0] == "Shoes"]
    rows = list(grown.predict(shoes, top_k=100))
    scored = [{(a, v): s for a, v, s in row["scores"]} for row in rows]
    # every shoe gets a score for the new colour, none for the removed one, in scores or decisions
    assert all(0 < s[("Color", "green")] < 1 for s in scored)
    assert not any(("Color", "black") in s for s in scored)
    assert not any(["Color", "black"] in row["predicted"] for row in rows)
    # the labels the model knew score as before
    before = {row["id"]: {(a, v): s for a, v, s in row["scores"]} for row in model.predict(shoes, top_k=100)}
    for row, s in zip(rows, scored):
        assert s[("Color", "red")] == pytest.approx(before[row["id"]][("Color", "red")], abs=1e-5)


def test_the_added_label_is_scored_from_its_own_text(trained_model, taxonomy, products):
    model = XmcModel.load(trained_model, device="cpu")
    grown_taxonomy = _grown(taxonomy)
    grown = model.for_taxonomy(grown_taxonomy)
    renamed = copy.deepcopy(grown_taxonomy)
    colours = next(a for a in renamed["attributes"] if a["name"] == "Color")
    colours["values"] = [v if v["name"] != "green" else {"name": "purple"} for v in colours["values"]]
    other = model.for_taxonomy(renamed)
    shoe = [p for p in products if p["category"][0] == "Shoes"][:1]
    green = {(a, v): s for a, v, s in next(grown.predict(shoe, top_k=100))["scores"]}[("Color", "green")]
    purple = {(a, v): s for a, v, s in next(other.predict(shoe, top_k=100))["scores"]}[("Color", "purple")]
    assert green != pytest.approx(purple, abs=1e-6)


def test_an_unchanged_taxonomy_gives_the_same_model(trained_model, taxonomy):
    model = XmcModel.load(trained_model, device="cpu")
    assert model.for_taxonomy(copy.deepcopy(taxonomy)) is model


def test_without_the_label_text_head_an_added_label_is_never_suggested(tmp_path, taxonomy, products, make_tiny_config):
    train(taxonomy, products, make_tiny_config(epochs=1, label_text=False, threshold_strategy="fixed",
                                               threshold=0.001), tmp_path / "m")
    model = XmcModel.load(tmp_path / "m", device="cpu")
    assert not model.network.label_text
    grown = model.for_taxonomy(_grown(taxonomy))
    rows = list(grown.predict([p for p in products if p["category"][0] == "Shoes"], top_k=100))
    assert all(["Color", "green"] not in row["predicted"] for row in rows)
    assert all(s < 1e-6 for row in rows for a, v, s in row["scores"] if (a, v) == ("Color", "green"))


def test_a_model_folder_from_before_the_label_text_head_still_loads(tmp_path, taxonomy, products, make_tiny_config):
    train(taxonomy, products, make_tiny_config(epochs=1, label_text=False, calibrate=False), tmp_path / "m")
    meta_path = tmp_path / "m" / "xmc_config.json"
    meta = json.loads(meta_path.read_text())
    for option in ("label_text", "calibrate"):
        del meta["config"][option]
    del meta["calibration"]
    meta_path.write_text(json.dumps(meta))
    model = XmcModel.load(tmp_path / "m", device="cpu")
    assert not model.config.label_text and model.calibration.identity
    assert len(list(model.predict(products[:3]))) == 3


def test_calibration_is_fitted_saved_and_applied_after_reloading(tmp_path, taxonomy, make_tiny_config):
    from tests.xmc.conftest import make_products
    products = make_products(160)
    result = train(taxonomy, products, make_tiny_config(epochs=1, validation_fraction=0.5), tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "xmc_config.json").read_text())
    saved = meta["calibration"]
    assert saved["method"] == "platt" and (saved["scale"], saved["shift"]) != (1.0, 0.0)
    assert {"ece_before", "ece_after"} <= set(result.validation["calibration"])

    model = XmcModel.load(tmp_path / "m", device="cpu")
    assert (model.calibration.scale, model.calibration.shift) == (saved["scale"], saved["shift"])
    calibrated = {(a, v): s for a, v, s in next(model.predict(products[:1], top_k=100))["scores"]}
    model.calibration = Calibration()
    raw = {(a, v): s for a, v, s in next(model.predict(products[:1], top_k=100))["scores"]}
    for label, score in raw.items():
        expected = Calibration(saved["scale"], saved["shift"]).apply(np.array([score], dtype=np.float32))[0]
        assert calibrated[label] == pytest.approx(expected, abs=1e-5)


def test_platt_scaling_recovers_a_known_miscalibration():
    rng = np.random.default_rng(0)
    logits = rng.normal(-2, 2, 20000)
    gold = rng.random(20000) < 1 / (1 + np.exp(-(0.5 * logits - 1)))   # true p = sigmoid(0.5 z - 1)
    shown = 1 / (1 + np.exp(-logits))                                 # the model says sigmoid(z)
    fitted = Calibration.fit(shown, gold)
    assert fitted.scale == pytest.approx(0.5, abs=0.05) and fitted.shift == pytest.approx(-1, abs=0.1)
    assert expected_calibration_error(fitted.apply(shown), gold) < 0.02 < expected_calibration_error(shown, gold)


def test_too_little_validation_evidence_leaves_scores_as_they_are():
    assert Calibration.fit(np.array([0.9, 0.1, 0.8]), np.array([True, False, True])).identity


def test_expected_calibration_error_by_hand():
    # two bins: scores 0.1 with 1 of 2 gold (gap 0.4), 0.9 with 2 of 2 gold (gap 0.1)
    probs = np.array([0.1, 0.1, 0.9, 0.9])
    gold = np.array([True, False, True, True])
    assert expected_calibration_error(probs, gold, bins=10) == pytest.approx((2 * 0.4 + 2 * 0.1) / 4)


def test_a_warm_start_keeps_the_trained_rows_and_learns_the_added_label(tmp_path, trained_model, taxonomy,
                                                                        products, make_tiny_config):
    grown = _grown(taxonomy)
    green = [{**p, "id": f"g{i}", "title": p["title"] + " 緑", "labels": [["Color", "green"]]}
             for i, p in enumerate(q for q in products if q["category"][0] == "Shoes")]
    replay = [p for p in products if ["Color", "black"] not in p["labels"]][:8]
    base = XmcModel.load(trained_model, device="cpu")
    result = train(grown, green + replay, make_tiny_config(epochs=1, lr=1e-4), tmp_path / "warm",
                   start_from=trained_model)
    warm = XmcModel.load(tmp_path / "warm", device="cpu")
    assert warm.info["warm_start"]["from"] == str(trained_model)
    assert result.train_products + result.validation_products == len(green) + 8
    assert warm.label_space.label_index(("Color", "black")) is None
    # rows the warm start did not see move little from the base; the new label's row exists
    row = lambda m, label: m.network.head_weight[m.label_space.label_index(label)]
    assert torch.allclose(row(warm, ("Sleeve", "long")), row(base, ("Sleeve", "long")), atol=0.05)
    assert row(warm, ("Color", "green")).abs().sum() > 0
