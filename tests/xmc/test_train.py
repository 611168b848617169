import dataclasses

import numpy as np
import pytest

from ml.xmc.config import TrainConfig
from ml.xmc.errors import DataError, TaxonomyError, UnknownCategoryError, XmcError
from ml.xmc.labels import LabelSpace
from ml.xmc.model import XmcModel
from ml.xmc.train import TrainingCancelled, train


def _relevant(space, product):
    c = space.category_index(product["category"])
    return {space.labels[i] for i in space.relevant(c)}


def test_it_trains_saves_and_loads_back_the_same_predictions(trained_model, products):
    model = XmcModel.load(trained_model, device="cpu")
    again = XmcModel.load(trained_model, device="cpu")
    a = list(model.predict(products[:10], batch_size=4, top_k=3))
    b = list(again.predict(products[:10], batch_size=7, top_k=3))
    assert [r["id"] for r in a] == [p["id"] for p in products[:10]]
    for x, y in zip(a, b):
        assert [s[:2] for s in x["scores"]] == [s[:2] for s in y["scores"]]
        assert np.allclose([s[2] for s in x["scores"]], [s[2] for s in y["scores"]], atol=1e-5)


def test_predictions_cover_only_relevant_labels_top_k_and_the_decisions(trained_model, products):
    model = XmcModel.load(trained_model, device="cpu")
    space = model.label_space
    for p, row in zip(products, model.predict(products, top_k=3)):
        rel = _relevant(space, p)
        scored = [(a, v) for a, v, _ in row["scores"]]
        assert set(scored) <= rel
        assert len(scored) >= min(3, len(rel))
        assert {tuple(l) for l in row["predicted"]} <= set(scored)
        scores = [s for _, _, s in row["scores"]]
        assert scores == sorted(scores, reverse=True)


def test_unknown_categories_raise_or_are_skipped(trained_model, products):
    model = XmcModel.load(trained_model, device="cpu")
    toy = dict(products[0], id="toy", category=["Toys"])
    with pytest.raises(UnknownCategoryError, match="Toys"):
        list(model.predict([toy]))
    rows = list(model.predict([toy, products[0]], on_unknown="skip"))
    assert [r["id"] for r in rows] == [products[0]["id"]]
    # a new sub-category is scored as its deepest known ancestor
    kid = dict(products[0], id="kid", category=list(products[0]["category"]) + ["Kids"])
    assert list(model.predict([kid]))[0]["id"] == "kid"


def test_the_label_space_is_exposed(trained_model, taxonomy):
    model = XmcModel.load(trained_model, device="cpu")
    assert model.label_space.fingerprint() == LabelSpace.from_taxonomy(taxonomy).fingerprint()
    assert ("Shoes", "Sneakers") in model.label_space.categories


@pytest.mark.parametrize("overrides", [
    {"label_masking": False},
    {"classifier_per": "leaf"},
    {"classifier_per": "top"},
    {"gathered": True, "swa": True, "grad_accumulation": 2, "freeze_layers": 1},
])
def test_the_baselines_and_options_train_and_predict(tmp_path, taxonomy, products, tiny_config, overrides):
    config = dataclasses.replace(tiny_config, epochs=1, **overrides)
    train(taxonomy, products, config, tmp_path / "m")
    model = XmcModel.load(tmp_path / "m", device="cpu")
    assert model.config.to_dict() == config.to_dict()
    rows = list(model.predict(products[:6], top_k=2))
    for p, row in zip(products, rows):
        assert {(a, v) for a, v, _ in row["scores"]} <= _relevant(model.label_space, p)


def test_per_category_heads_have_one_output_per_group_label(tmp_path, taxonomy, products, tiny_config):
    train(taxonomy, products, dataclasses.replace(tiny_config, epochs=1, classifier_per="leaf"), tmp_path / "m")
    model = XmcModel.load(tmp_path / "m", device="cpu")
    # three leaves with 5 + 4 + 6 relevant labels
    assert model.network.num_outputs == 15


def test_it_reports_progress_and_can_be_cancelled(tmp_path, taxonomy, products, tiny_config):
    events = []
    train(taxonomy, products, tiny_config, tmp_path / "m", progress=events.append)
    steps = [e for e in events if e.stage == "train"]
    assert steps and steps[-1].step == steps[-1].total_steps and steps[-1].epoch == 2
    assert all(e.loss is not None and e.throughput > 0 for e in steps)
    assert events[-1].stage == "done"
    calls = []
    with pytest.raises(TrainingCancelled):
        train(taxonomy, products, tiny_config, tmp_path / "c", should_stop=lambda: calls.append(1) or len(calls) > 2)
    assert not (tmp_path / "c" / "model.safetensors").exists()


def test_explicit_negatives_are_accepted_and_checked(tmp_path, taxonomy, products, tiny_config):
    with_neg = [dict(p) for p in products]
    with_neg[0]["negatives"] = [l for l in ([["Color", "black"]], [["Color", "blue"]]) if l[0] not in
                                with_neg[0]["labels"]][0]
    train(taxonomy, with_neg, dataclasses.replace(tiny_config, epochs=1, negative_weight=3.0), tmp_path / "m")
    bad = [dict(products[0], negatives=[products[0]["labels"][0]])]
    with pytest.raises(DataError, match="both a label and a negative"):
        train(taxonomy, bad, tiny_config, tmp_path / "b")


@pytest.mark.parametrize("product, message", [
    ({"id": "x", "category": ["Shoes", "Boots"], "title": "t", "labels": [["Color", "pink"]]}, "unknown label"),
    ({"id": "x", "category": ["Shoes", "Boots"], "title": "t", "labels": [["Sleeve", "long"]]}, "not relevant"),
    ({"id": "x", "category": ["Toys"], "title": "t", "labels": []}, "not in the label space"),
    ({"id": "x", "category": ["Shoes", "Boots"], "title": "", "labels": []}, "title"),
    ({"id": "x", "title": "t", "labels": []}, "missing 'category'"),
])
def test_it_refuses_bad_products_with_a_clear_message(tmp_path, taxonomy, products, tiny_config, product, message):
    with pytest.raises(DataError, match=message):
        train(taxonomy, products[:4] + [product], tiny_config, tmp_path / "m")


def test_it_refuses_bad_taxonomies_and_configs(tmp_path, products, tiny_config):
    with pytest.raises(TaxonomyError):
        train({"attributes": [], "categories": []}, products, tiny_config, tmp_path / "m")
    with pytest.raises(XmcError, match="unknown option.*colour"):
        TrainConfig.from_dict({"colour": 1})
    with pytest.raises(XmcError, match="classifier_per"):
        TrainConfig(classifier_per="root")
    assert TrainConfig.from_dict(tiny_config.to_dict()) == tiny_config


def test_training_is_seeded(tmp_path, taxonomy, products, tiny_config):
    config = dataclasses.replace(tiny_config, epochs=1)
    train(taxonomy, products, config, tmp_path / "a")
    train(taxonomy, products, config, tmp_path / "b")
    a = list(XmcModel.load(tmp_path / "a", device="cpu").predict(products[:5]))
    b = list(XmcModel.load(tmp_path / "b", device="cpu").predict(products[:5]))
    assert a == b


# Forty colours, the first twenty allowed in category A, the others in B; training sees A only.
# Each product carries one of its category's twenty colours, so the base rate is 1/20.
SPARSE_TAXONOMY = {
    "attributes": [{"name": "Color", "values": [{"name": f"c{i:02d}"} for i in range(40)]}],
    "categories": [{"path": ["A"], "attributes": {"Color": [f"c{i:02d}" for i in range(20)]}},
                   {"path": ["B"], "attributes": {"Color": [f"c{i:02d}" for i in range(20, 40)]}}],
}


def _sparse_products(category, first_colour, n):
    return [{"id": f"{category}{i}", "category": [category], "title": f"赤い シャツ {i}",
             "labels": [["Color", f"c{first_colour + i % 20:02d}"]]} for i in range(n)]


def test_labels_no_training_product_could_teach_start_at_the_base_rate_not_at_even_odds():
    from ml.xmc.layout import HeadLayout
    from ml.xmc.train import prior_bias
    space = LabelSpace.from_taxonomy(SPARSE_TAXONOMY)
    products = _sparse_products("A", 0, 40)
    categories = np.array([space.category_index(p["category"]) for p in products])
    positives = [np.array(space.encode_labels(p, c)) for p, c in zip(products, categories)]
    untaught = [space.label_index(("Color", f"c{i}")) for i in range(20, 40)]
    for kind in ("shared", "leaf"):
        layout = HeadLayout(kind, space)
        bias = prior_bias(layout, space, categories, positives, masking=True).numpy()
        untaught_bias = bias[np.isin(layout.row_labels(), untaught)]
        assert len(untaught_bias) == 20
        # the rate of A's colours among A's products (1/20), not 1/2
        assert np.allclose(untaught_bias, np.log(1 / 19), atol=0.05), (kind, untaught_bias[:3])


def test_a_category_without_training_products_scores_its_untaught_labels_low(tmp_path, make_tiny_config):
    train(SPARSE_TAXONOMY, _sparse_products("A", 0, 40), make_tiny_config(epochs=1, value_match=False),
          tmp_path / "m")
    model = XmcModel.load(tmp_path / "m", device="cpu")
    rows = list(model.predict(_sparse_products("B", 20, 20), top_k=20))
    scores = [score for row in rows for _, _, score in row["scores"]]
    assert len(scores) == 20 * 20
    # the head rows of B's colours never got a gradient: their scores are the base rate plus
    # the random initialisation's noise, far below even odds
    assert max(scores) < 0.2
