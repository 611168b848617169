"""catalog/review.py: each decision is recorded with who/when/version/score and changes labels."""
import pytest
from django.core.exceptions import ValidationError

from catalog import review
from catalog.models import Decision, Product, ProductLabel, Suggestion

pytestmark = pytest.mark.django_db


def labels(product):
    return dict(ProductLabel.objects.filter(product=product).values_list("value__name", "source"))


def status(suggestion):
    return Suggestion.objects.get(pk=suggestion.pk).status


def test_it_accepts_a_suggestion_into_a_label(alice, sneaker, sneaker_suggestions, model_version):
    red = sneaker_suggestions["red"]
    decision = review.accept(alice, red.pk)
    assert (decision.action, decision.user, decision.model_version, decision.score) == (
        "accept", alice, model_version, 0.93
    )
    assert decision.created_at is not None
    assert status(red) == "accepted"
    assert labels(sneaker) == {"red": "suggestion"}
    assert ProductLabel.objects.get(product=sneaker).created_by == alice


def test_it_rejects_a_suggestion_without_touching_labels(alice, sneaker, sneaker_suggestions):
    decision = review.reject(alice, sneaker_suggestions["blue"].pk)
    assert decision.action == "reject" and status(sneaker_suggestions["blue"]) == "rejected"
    assert labels(sneaker) == {}


def test_it_corrects_to_another_allowed_value(alice, sneaker, sneaker_suggestions, taxonomy):
    black = taxonomy.value("Color", "black")
    decision = review.correct(alice, sneaker_suggestions["red"].pk, black.pk)
    assert decision.action == "correct" and decision.corrected_value == black
    assert status(sneaker_suggestions["red"]) == "corrected"
    assert labels(sneaker) == {"black": "seller"}


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("Shoe size (cm)", "27.0"),  # same attribute, but Sneakers do not allow 27.0
        ("Material", "canvas"),  # another attribute
        ("Color", "red"),  # the suggested value itself
    ],
)
def test_it_refuses_a_correction_the_taxonomy_does_not_allow(alice, sneaker_suggestions, taxonomy, attribute, value):
    suggestion = sneaker_suggestions["26"] if attribute == "Shoe size (cm)" else sneaker_suggestions["red"]
    with pytest.raises(ValidationError):
        review.correct(alice, suggestion.pk, taxonomy.value(attribute, value).pk)
    assert status(suggestion) == "pending" and not Decision.objects.exists()


def test_it_refuses_to_decide_twice(alice, sneaker_suggestions):
    review.accept(alice, sneaker_suggestions["red"].pk)
    with pytest.raises(ValidationError):
        review.reject(alice, sneaker_suggestions["red"].pk)
    assert Decision.objects.count() == 1


def test_bob_cannot_decide_on_alices_product(bob, nobody, sneaker_suggestions):
    for user in (bob, nobody):
        with pytest.raises(Suggestion.DoesNotExist):
            review.accept(user, sneaker_suggestions["red"].pk)
        with pytest.raises(Suggestion.DoesNotExist):
            review.correct(user, sneaker_suggestions["red"].pk, sneaker_suggestions["blue"].value_id)
        with pytest.raises(Product.DoesNotExist):
            review.accept_above(user, sneaker_suggestions["red"].product_id, 0.0)
    assert not Decision.objects.exists()


def test_staff_decide_on_any_product(staff, sneaker_suggestions):
    assert review.accept(staff, sneaker_suggestions["red"].pk).user == staff


def test_it_accepts_everything_above_a_confidence(alice, sneaker, sneaker_suggestions):
    decisions = review.accept_above(alice, sneaker.pk, 0.8)
    assert {d.suggestion_id for d in decisions} == {sneaker_suggestions["red"].pk, sneaker_suggestions["26"].pk}
    assert labels(sneaker) == {"red": "suggestion", "26.0": "suggestion"}
    with pytest.raises(ValidationError):
        review.accept_above(alice, sneaker.pk, 1.5)


def test_it_rejects_the_rest_of_an_attribute(alice, sneaker, sneaker_suggestions):
    review.accept(alice, sneaker_suggestions["red"].pk)
    color = sneaker_suggestions["red"].value.attribute_id
    decisions = review.reject_rest(alice, sneaker.pk, color)
    assert [d.suggestion_id for d in decisions] == [sneaker_suggestions["blue"].pk]
    assert status(sneaker_suggestions["26"]) == "pending"


def test_undo_restores_an_accepted_suggestion(alice, sneaker, sneaker_suggestions):
    review.accept(alice, sneaker_suggestions["red"].pk)
    [restored] = review.undo_last(alice, sneaker.pk)
    assert restored.pk == sneaker_suggestions["red"].pk and status(restored) == "pending"
    assert labels(sneaker) == {} and not Decision.objects.standing().exists()


def test_undo_is_recorded_on_the_decision_which_stays_in_the_audit_trail(alice, sneaker, sneaker_suggestions):
    accepted = review.accept(alice, sneaker_suggestions["red"].pk)
    review.undo_last(alice, sneaker.pk)
    again = review.reject(alice, sneaker_suggestions["red"].pk)

    trail = list(Decision.objects.filter(suggestion=sneaker_suggestions["red"]).order_by("id"))
    assert [(d.pk, d.action, d.undone_by) for d in trail] == [(accepted.pk, "accept", alice), (again.pk, "reject", None)]
    assert trail[0].undone_at >= trail[0].created_at and trail[1].undone_at is None
    # the newest standing decision is the one undo takes back next, never the undone one
    assert review.last_decision(alice, sneaker.pk).pk == again.pk


def test_undo_keeps_a_label_the_product_had_before(alice, sneaker, sneaker_suggestions):
    ProductLabel.objects.create(product=sneaker, value=sneaker_suggestions["red"].value, source="import")
    review.accept(alice, sneaker_suggestions["red"].pk)
    review.undo_last(alice, sneaker.pk)
    assert labels(sneaker) == {"red": "import"}


def test_undo_takes_back_a_correction_and_only_the_newest_decision(alice, sneaker, sneaker_suggestions, taxonomy):
    review.reject(alice, sneaker_suggestions["blue"].pk)
    review.correct(alice, sneaker_suggestions["red"].pk, taxonomy.value("Color", "black").pk)
    review.undo_last(alice, sneaker.pk)
    assert status(sneaker_suggestions["red"]) == "pending" and labels(sneaker) == {}
    assert status(sneaker_suggestions["blue"]) == "rejected"


def test_undo_is_per_user(alice, bob, staff, sneaker, sneaker_suggestions):
    review.accept(staff, sneaker_suggestions["red"].pk)
    assert review.undo_last(alice, sneaker.pk) == []
    assert review.undo_last(bob) == []
    assert status(sneaker_suggestions["red"]) == "accepted"


def test_undo_takes_back_a_bulk_action_as_a_whole(alice, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    review.reject(alice, s["25"].pk)
    review.accept_above(alice, sneaker.pk, 0.5)  # red, blue, 26.0
    restored = review.undo_last(alice, sneaker.pk)
    assert {r.pk for r in restored} == {s["red"].pk, s["blue"].pk, s["26"].pk}
    assert labels(sneaker) == {} and status(s["25"]) == "rejected"
    assert [r.pk for r in review.undo_last(alice, sneaker.pk)] == [s["25"].pk]


def test_undo_reaches_back_the_last_undo_depth_actions_only(alice, sneaker, sneaker_suggestions, monkeypatch):
    s = sneaker_suggestions
    monkeypatch.setattr(review, "UNDO_DEPTH", 3)
    for key in ("red", "blue", "26", "25"):  # four actions, one more than undo reaches
        review.accept(alice, s[key].pk)
    undone = [[r.pk for r in review.undo_last(alice)] for _ in range(4)]
    # the three newest come back, newest first; the oldest stays decided
    assert undone == [[s["25"].pk], [s["26"].pk], [s["blue"].pk], []]
    assert status(s["red"]) == "accepted" and review.last_decision(alice) is None

