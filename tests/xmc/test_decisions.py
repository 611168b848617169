"""The decision rule: thresholds, and at most one value for single-valued attributes."""
import collections

import numpy as np
import pytest

from ml.xmc.labels import LabelSpace
from ml.xmc.model import XmcModel
from ml.xmc.thresholds import Thresholds, best_of_attribute, decide, single_valued_attributes


def test_an_attribute_is_single_valued_only_when_enough_products_carry_it_and_almost_none_twice(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    lab = space.label_index
    one_colour = [[lab(("Color", "red"))]] * 200
    two_materials = [[lab(("Material", "leather")), lab(("Material", "cotton"))]] * 3 + [[lab(("Material", "cotton"))]] * 97
    few_sleeves = [[lab(("Sleeve", "long"))]] * 9
    assert single_valued_attributes(space, one_colour + two_materials + few_sleeves) == ["Color"]
    # two values on 2 of 200 products (1%) is still single-valued
    two_of_200 = [[lab(("Material", "leather")), lab(("Material", "cotton"))]] * 2 + [[lab(("Material", "cotton"))]] * 198
    assert single_valued_attributes(space, two_of_200) == ["Material"]


def test_only_the_best_relevant_value_of_a_single_valued_attribute_survives():
    probs = np.array([[0.9, 0.8, 0.7, 0.6],
                      [0.1, 0.5, 0.5, 0.9],
                      [0.4, 0.4, 0.0, 0.0]])
    mask = np.array([[True, True, True, True],
                     [True, True, True, False],
                     [True, True, True, True]])
    attribute = np.array([0, 0, 1, 1])
    single = np.array([True, True, False, False])
    allowed = best_of_attribute(probs, mask, attribute, single)
    assert allowed.tolist() == [[True, False, True, True],
                                [False, True, True, True],
                                [True, False, True, True]]  # a tie keeps the lower column
    # an irrelevant column never wins, however high it scores
    single = np.array([False, False, True, True])
    assert best_of_attribute(probs, mask, attribute, single)[1].tolist() == [True, True, True, False]


def test_decide_combines_relevance_thresholds_and_single_values(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    columns = np.array([space.label_index(("Color", v)) for v in ("red", "blue", "black")])
    probs = np.array([[0.7, 0.6, 0.2]])
    mask = np.array([[True, True, True]])
    thresholds = Thresholds(0.5)
    assert decide(probs, mask, columns, thresholds.per_label(space), thresholds.label_single_valued(space),
                  space).tolist() == [[True, True, False]]
    thresholds = Thresholds(0.5, single_valued=["Color"])
    assert decide(probs, mask, columns, thresholds.per_label(space), thresholds.label_single_valued(space),
                  space).tolist() == [[True, False, False]]


def _values_per_attribute(predictions):
    return max(max(collections.Counter(a for a, _ in p["predicted"]).values(), default=0) for p in predictions)


@pytest.fixture(scope="module")
def single_value_model(tmp_path_factory, make_tiny_config, taxonomy, products):
    from ml.xmc.train import train
    out = tmp_path_factory.mktemp("single")
    train(taxonomy, products, make_tiny_config(epochs=1, single_value_attributes=True), out)
    return XmcModel.load(out, device="cpu")


def test_a_trained_model_saves_its_single_valued_attributes_and_predicts_one_value_of_each(
        single_value_model, products):
    model = single_value_model
    # every attribute of the test catalogue carries one value per product
    single_valued = model.thresholds.single_valued
    assert single_valued == ["Color", "Material", "Shoe size (cm)", "Sleeve"]
    # at a threshold that every label clears, only the rule keeps one value per attribute
    model.use_thresholds(Thresholds(1e-6, single_valued=single_valued))
    assert _values_per_attribute(model.predict(products[:12])) == 1
    model.use_thresholds(Thresholds(1e-6))
    assert _values_per_attribute(model.predict(products[:12])) > 1


def test_the_rule_is_off_by_default(trained_model):
    assert XmcModel.load(trained_model, device="cpu").thresholds.single_valued == []


def test_the_precision_curve_gives_the_precision_of_suggestions_at_or_above_each_score():
    from ml.xmc.thresholds import precision_curve

    probs = np.array([0.95, 0.9, 0.6, 0.3, 0.2])
    gold = np.array([True, True, False, True, False])
    curve = {score: (precision, count) for score, precision, count in precision_curve(probs, gold)}
    assert curve[0.2] == (0.6, 5)  # every suggestion: 3 of 5 right
    assert curve[0.3] == (0.75, 4)  # "at or above": 0.3 itself counts
    assert curve[0.61] == (1.0, 2)
    assert 0.96 not in curve  # no suggestion that high: left out
