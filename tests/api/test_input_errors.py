"""Inputs that crashed the API (500) and now answer 404 or 400 naming the field or parameter."""
import pytest
from django.urls import reverse
from rest_framework import status

from catalog.limits import MAX_DESCRIPTION_CHARS, MAX_LABELS_PER_PRODUCT, MAX_TITLE_CHARS
from catalog.models import Product
from catalog.products import create_product
from ml.models import TrainingRun
from taxonomy.limits import MAX_ALIASES_PER_VALUE, MAX_NAME_CHARS
from taxonomy.models import Attribute, AttributeValue, Category

pytestmark = pytest.mark.django_db

TOO_BIG_FOR_AN_ID = 10**20


@pytest.fixture
def alices_tv(taxonomy, seller_a):
    return create_product(seller=seller_a, external_id="A-1", category=taxonomy.category("TVs"), title="Big TV")


def _new_product(taxonomy, **fields):
    return {"external_id": "A-9", "category": taxonomy.category("TVs").pk, "title": "TV", **fields}


# Raw paths on purpose: reverse() cannot build a URL with a non-integer id.
@pytest.mark.parametrize("url", [
    "/api/review/suggestions/abc/accept/",
    "/api/review/suggestions/abc/reject/",
    "/api/review/suggestions/abc/correct/",
    "/api/training-runs/abc/cancel/",
    "/api/model-versions/abc/activate/",
    "/api/products/abc/labels/",
    "/api/categories/1.5/",
])
def test_a_non_integer_id_in_a_detail_action_answers_404(staff_api, url):
    response = staff_api.post(url, {}, format="json")

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("query", ["seller=%00", "search=%00", "ordering=%00", "page=%00"])
def test_a_nul_byte_in_a_query_parameter_is_refused_with_its_name(staff_api, query):
    # catalog-stats/?seller=%00 crashed PostgreSQL's driver (500); others answered without the name.
    for url in (reverse("catalog-stats"), reverse("product-list")):
        response = staff_api.get(f"{url}?{query}")

        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert response.json() == {query.split("=")[0]: ["contains a NUL character (\\u0000)"]}


def test_a_nul_byte_in_a_page_s_query_parameter_is_a_plain_400_naming_it(client, alice):
    client.force_login(alice)

    response = client.get(reverse("frontend:queue"), {"q": "red\x00"})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.content.decode() == "q: contains a NUL character (\\u0000)"


def test_a_query_string_of_too_many_parameters_is_refused_in_json_with_the_limit(staff_api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    url = reverse("product-list") + "?" + "&".join(f"p{i}=1" for i in range(11))

    response = staff_api.get(url)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"non_field_errors": ["the query string has more than 10 parameters"]}


def test_updated_after_with_a_16_hour_offset_is_compared_in_utc(staff_api, alices_tv):
    # Python accepts +16:00, PostgreSQL refused it (500). 2000-01-01T00:00+16:00 is 1999-12-31T08:00Z.
    before = staff_api.get(reverse("product-list"), {"updated_after": "2000-01-01T00:00:00+16:00"})
    after = staff_api.get(reverse("product-list"), {"updated_after": "2999-01-01T00:00:00+16:00"})

    assert before.status_code == after.status_code == status.HTTP_200_OK
    assert [row["external_id"] for row in before.json()["results"]] == ["A-1"]
    assert after.json()["results"] == []


def test_updated_after_out_of_range_in_utc_is_refused_with_its_field(staff_api, alices_tv):
    response = staff_api.get(reverse("product-list"), {"updated_after": "0001-01-01T00:00:00+16:00"})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()) == ["updated_after"]


@pytest.mark.parametrize("parameters", [[1], "epochs=1", 5, None])
def test_training_parameters_that_are_not_an_object_are_refused_with_the_field(staff_api, parameters):
    response = staff_api.post(reverse("training-run-list"), {"parameters": parameters}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()) == ["parameters"]
    assert not TrainingRun.objects.exists()


def test_options_on_the_docs_pages_is_not_a_500(client, alice):
    client.force_login(alice)

    for url in (reverse("api-docs"), reverse("api-redoc")):
        response = client.options(url)

        assert response.status_code == status.HTTP_200_OK
        assert "GET" in response["Allow"]


@pytest.mark.parametrize("url_name, field, body", [
    ("attribute-list", "name", {}),
    ("category-list", "name", {}),
    ("attribute-value-list", "name", {"attribute": "Color"}),
    ("attribute-value-list", "aliases", {"attribute": "Color", "name": "crimson", "as_alias": True}),
])
def test_a_taxonomy_name_longer_than_the_column_once_normalised_is_refused(admin_api, taxonomy, url_name, field, body):
    # NFKC turns U+FDFA into 18 characters: 20 of them are 360 characters in the database,
    # past its 255 (PostgreSQL refused the INSERT: 500; SQLite stored it).
    name = "\ufdfa" * 20
    body = dict(body)
    if body.pop("attribute", None):
        body["attribute"] = Attribute.objects.get(name="Color").pk
    body[field] = [name] if body.pop("as_alias", False) else name
    counts = (Attribute.objects.count(), AttributeValue.objects.count(), Category.objects.count())

    response = admin_api.post(reverse(url_name), body, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field in response.json()
    assert f"no more than {MAX_NAME_CHARS} characters" in str(response.json()[field])
    assert (Attribute.objects.count(), AttributeValue.objects.count(), Category.objects.count()) == counts


def test_too_many_aliases_are_refused_with_the_field(admin_api, taxonomy):
    color = Attribute.objects.get(name="Color").pk
    aliases = [f"red {n}" for n in range(MAX_ALIASES_PER_VALUE + 1)]

    response = admin_api.post(reverse("attribute-value-list"), {"attribute": color, "name": "crimson", "aliases": aliases}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()) == ["aliases"]


@pytest.mark.parametrize("field, value", [
    ("title", "t" * (MAX_TITLE_CHARS + 1)),
    ("description", "d" * (MAX_DESCRIPTION_CHARS + 1)),
    ("label_values", list(range(1, MAX_LABELS_PER_PRODUCT + 2))),
])
def test_a_product_over_the_catalogue_limits_is_refused_with_the_field(alice_api, taxonomy, field, value):
    response = alice_api.post(reverse("product-list"), _new_product(taxonomy, **{field: value}), format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()) == [field]
    assert not Product.objects.exists()


def test_a_title_over_the_limit_is_refused_on_update_too(alice_api, alices_tv):
    response = alice_api.patch(reverse("product-detail", args=[alices_tv.pk]), {"title": "t" * (MAX_TITLE_CHARS + 1)}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()) == ["title"]
    alices_tv.refresh_from_db()
    assert alices_tv.title == "Big TV"


def test_an_id_past_the_64_bit_range_is_refused_with_its_field(staff_api, alice_api, alices_tv, taxonomy):
    # SQLite raised OverflowError on these (500); PostgreSQL answered as if they were ids.
    answers = {
        "label_values": alice_api.post(reverse("product-list"), _new_product(taxonomy, label_values=[TOO_BIG_FOR_AN_ID]), format="json"),
        "attribute": staff_api.post(reverse("review-reject-rest", args=[alices_tv.pk]), {"attribute": TOO_BIG_FOR_AN_ID}, format="json"),
        "label": staff_api.get(reverse("product-list"), {"label": TOO_BIG_FOR_AN_ID}),
    }

    for field, response in answers.items():
        assert response.status_code == status.HTTP_400_BAD_REQUEST, field
        assert list(response.json()) == [field]
