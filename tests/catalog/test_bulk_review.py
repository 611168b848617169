"""Bulk review across products: accept by a target precision (the saved precision curve) or a
minimum score, across a whole filter or for ticked suggestions; decisions, undo-safety, counts."""
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import review
from catalog.models import Decision, ProductLabel, Suggestion
from ml.inference import decision_thresholds, precision_curve
from tests.conftest import make_product, suggest

pytestmark = pytest.mark.django_db

# On the validation slice: all suggestions 80% right, from 0.4 up 95%, from 0.6 up 99%.
CURVE = [[0.2, 0.8, 100], [0.3, 0.9, 60], [0.4, 0.95, 40], [0.5, 0.93, 30], [0.6, 0.99, 10]]


@pytest.fixture
def with_curve(model_version):
    model_version.metrics = {**model_version.metrics, "precision_curve": CURVE}
    model_version.save(update_fields=["metrics"])
    return model_version


def test_a_target_precision_picks_the_lowest_score_of_the_saved_curve_that_reaches_it(with_curve):
    assert review.score_for_precision(0.95) == 0.4
    assert review.score_for_precision(0.9) == 0.3
    assert review.score_for_precision(0.8) == 0.2
    with pytest.raises(ValidationError) as refused:
        review.score_for_precision(0.999)
    assert refused.value.code == "unreachable_precision"


def test_without_a_curve_a_target_precision_is_refused_in_words(model_version):
    with pytest.raises(ValidationError) as refused:
        review.score_for_precision(0.95)
    assert refused.value.code == "no_curve"


def test_the_curve_and_thresholds_are_read_from_the_artifact(tmp_path, model_version):
    (tmp_path / "xmc_config.json").write_text(json.dumps({
        "thresholds": {"global": 0.21, "attribute": {"Color": 0.11}},
        "info": {"validation": {"precision_curve": CURVE}},
    }))
    model_version.artifact_uri, model_version.metrics = str(tmp_path), {}
    assert decision_thresholds(model_version) == (0.21, {"Color": 0.11})
    assert precision_curve(model_version)[2] == (0.4, 0.95, 40)


def _shelf(taxonomy, seller_a, model_version, count=3):
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    red, leather = taxonomy.value("Color", "red"), taxonomy.value("Material", "leather")
    rows = []
    for i in range(count):
        product = make_product(seller_a, sneakers, f"s{i}", f"Sneaker {i}")
        rows.append(suggest(product, red, model_version, 0.5 + 0.1 * i))
        rows.append(suggest(product, leather, model_version, 0.9))
    return rows


def test_accept_across_accepts_one_attribute_at_or_above_the_score_with_one_decision_each(
    alice, taxonomy, seller_a, model_version
):
    rows = _shelf(taxonomy, seller_a, model_version)
    color = taxonomy.value("Color", "red").attribute_id
    everything = Suggestion.objects.all()
    assert review.count_accept_across(alice, everything, 0.6, color) == (2, 2)

    decisions = review.accept_across(alice, everything, 0.6, color)

    assert sorted(d.score for d in decisions) == pytest.approx([0.6, 0.7])
    assert Decision.objects.filter(action="accept").count() == 2
    assert ProductLabel.objects.filter(value__name="red").count() == 2
    assert Suggestion.objects.get(pk=rows[0].pk).status == "pending"  # 0.5: below
    assert Suggestion.objects.filter(value__name="leather", status="pending").count() == 3
    # Posting twice decides nothing more.
    assert review.accept_across(alice, everything, 0.6, color) == []
    assert Decision.objects.count() == 2


def test_accept_across_never_reaches_another_sellers_products(alice, bob, taxonomy, seller_a, model_version, bobs_tv):
    _shelf(taxonomy, seller_a, model_version)
    review.accept_across(bob, Suggestion.objects.all(), 0.0)
    assert set(Decision.objects.values_list("suggestion__product__seller__slug", flat=True)) == {bobs_tv.seller.slug}


def test_accept_selected_and_reject_selected_decide_only_pending_visible_ones(alice, bob, taxonomy, seller_a,
                                                                              model_version, bobs_tv):
    rows = _shelf(taxonomy, seller_a, model_version, count=2)
    tv = bobs_tv.suggestions.get()
    accepted = review.accept_selected(alice, [rows[0].pk, rows[2].pk, tv.pk])
    assert sorted(d.suggestion_id for d in accepted) == [rows[0].pk, rows[2].pk]
    assert review.accept_selected(alice, [rows[0].pk]) == []
    rejected = review.reject_selected(alice, [rows[1].pk])
    assert [d.action for d in rejected] == ["reject"]
    assert Suggestion.objects.get(pk=tv.pk).status == "pending"


def test_reviewed_today_counts_the_users_standing_decisions(alice, bob, taxonomy, seller_a, model_version):
    rows = _shelf(taxonomy, seller_a, model_version, count=2)
    review.accept(alice, rows[0].pk)
    review.reject(alice, rows[1].pk)
    review.undo_last(alice)
    assert review.reviewed_today(alice) == 1
    assert review.reviewed_today(bob) == 0


def test_the_api_accepts_above_a_target_precision(alice_api, sneaker, sneaker_suggestions, with_curve):
    url = reverse("review-accept-above", args=[sneaker.pk])
    response = alice_api.post(url, {"target_precision": 0.95}, format="json")
    assert response.status_code == 200
    # 0.95 became 0.4: red 0.93, blue 0.55 and size 26.0 0.81, not size 25.0 0.30.
    assert sorted(d["score"] for d in response.json()) == [0.55, 0.81, 0.93]
    assert alice_api.post(url, {}, format="json").status_code == 400
    assert alice_api.post(url, {"target_precision": 0.95, "min_score": 0.5}, format="json").status_code == 400


def test_apply_predictions_stores_each_suggestions_cut_off(taxonomy, sneaker, model_version):
    from ml.suggestions import apply_predictions

    predictions = [{
        "id": str(sneaker.pk),
        "scores": [["Color", "red", 0.2], ["Shoe size (cm)", "26.0", 0.4]],
        "predicted": [["Color", "red"], ["Shoe size (cm)", "26.0"]],
    }]
    apply_predictions(model_version, [sneaker], predictions, thresholds=(0.3, {"Color": 0.11}))
    stored = dict(Suggestion.objects.values_list("value__name", "threshold"))
    assert stored == {"red": 0.11, "26.0": 0.3}
    # Without thresholds given they are read from the version's artifact; unknown: 0.5.
    apply_predictions(model_version, [sneaker], predictions)
    assert set(Suggestion.objects.values_list("threshold", flat=True)) == {0.5}
