"""catalog/review_api.py, /api/review/: the review actions for API clients, sellers limited to their own products."""
import pytest
from django.urls import reverse
from rest_framework import status

from catalog.models import Decision, ProductLabel, Suggestion

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_sellers_suggestions(alice_api, bob_api, sneaker_suggestions, bobs_tv):
    data = alice_api.get(reverse("review-suggestion-list"), {"status": "pending"}).json()
    assert {row["id"] for row in data["results"]} == {s.pk for s in sneaker_suggestions.values()}
    assert {row["value_name"] for row in bob_api.get(reverse("review-suggestion-list")).json()["results"]} == {"55 inch"}


def test_it_accepts_rejects_corrects_and_undoes(alice_api, sneaker, sneaker_suggestions, taxonomy):
    s = sneaker_suggestions
    response = alice_api.post(reverse("review-suggestion-accept", args=[s["red"].pk]))
    assert response.status_code == 200
    assert response.json()["action"] == "accept" and response.json()["user"] == "alice"
    assert alice_api.post(reverse("review-suggestion-reject", args=[s["blue"].pk])).status_code == 200
    response = alice_api.post(
        reverse("review-suggestion-correct", args=[s["26"].pk]), {"value": taxonomy.value("Shoe size (cm)", "25.0").pk}
    )
    assert response.status_code == 200 and response.json()["corrected_value"] is not None
    response = alice_api.post(reverse("review-undo", args=[sneaker.pk]))
    assert response.status_code == 200 and [row["status"] for row in response.json()] == ["pending"]
    assert set(ProductLabel.objects.values_list("value__name", flat=True)) == {"red"}


def test_it_refuses_bad_actions_with_400(alice_api, sneaker, sneaker_suggestions, taxonomy):
    red = sneaker_suggestions["red"]
    alice_api.post(reverse("review-suggestion-accept", args=[red.pk]))
    response = alice_api.post(reverse("review-suggestion-reject", args=[red.pk]))
    assert response.status_code == status.HTTP_400_BAD_REQUEST and "already been decided" in str(response.json())
    blue = sneaker_suggestions["blue"]
    canvas = taxonomy.value("Material", "canvas")
    assert alice_api.post(reverse("review-suggestion-correct", args=[blue.pk]), {"value": canvas.pk}).status_code == 400
    assert alice_api.post(reverse("review-suggestion-correct", args=[blue.pk]), {}).status_code == 400
    assert alice_api.post(reverse("review-accept-above", args=[sneaker.pk]), {"min_score": 2}).status_code == 400


def test_bulk_actions(alice_api, sneaker, sneaker_suggestions):
    response = alice_api.post(reverse("review-accept-above", args=[sneaker.pk]), {"min_score": 0.8})
    assert len(response.json()) == 2
    color = sneaker_suggestions["blue"].value.attribute_id
    response = alice_api.post(reverse("review-reject-rest", args=[sneaker.pk]), {"attribute": color})
    assert [row["suggestion"] for row in response.json()] == [sneaker_suggestions["blue"].pk]
    response = alice_api.post(reverse("review-undo", args=[sneaker.pk]))
    assert [row["id"] for row in response.json()] == [sneaker_suggestions["blue"].pk]
    response = alice_api.post(reverse("review-undo", args=[sneaker.pk]))
    assert len(response.json()) == 2  # the bulk accept, as a whole
    assert alice_api.post(reverse("review-undo", args=[sneaker.pk])).status_code == 204


def test_others_products_are_404(bob_api, nobody_api, anonymous_api, sneaker, sneaker_suggestions):
    red = sneaker_suggestions["red"]
    assert bob_api.get(reverse("review-suggestion-detail", args=[red.pk])).status_code == 404
    assert bob_api.post(reverse("review-suggestion-accept", args=[red.pk])).status_code == 404
    assert bob_api.post(reverse("review-accept-above", args=[sneaker.pk]), {"min_score": 0}).status_code == 404
    assert bob_api.post(reverse("review-undo", args=[sneaker.pk])).status_code == 404
    assert nobody_api.post(reverse("review-suggestion-accept", args=[red.pk])).status_code == 403
    assert anonymous_api.post(reverse("review-suggestion-accept", args=[red.pk])).status_code in (401, 403)
    assert not Decision.objects.exists() and Suggestion.objects.get(pk=red.pk).status == "pending"


def test_it_corrects_by_value_name_and_wants_exactly_one_of_id_and_name(alice_api, sneaker_suggestions, taxonomy):
    red = sneaker_suggestions["red"]
    black = taxonomy.value("Color", "black")
    both = alice_api.post(reverse("review-suggestion-correct", args=[red.pk]), {"value": black.pk, "value_name": "black"})
    assert both.status_code == 400
    unknown = alice_api.post(reverse("review-suggestion-correct", args=[red.pk]), {"value_name": "plaid"})
    assert unknown.status_code == 400 and "plaid" in str(unknown.json())
    response = alice_api.post(reverse("review-suggestion-correct", args=[red.pk]), {"value_name": "Black"})
    assert response.status_code == 200 and response.json()["corrected_value"] == black.pk
