"""taxonomy/admin.py's actions: taxonomy.json import/export, value deletion
with counts, aliases one per line."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import review
from catalog.models import Decision, ProductLabel, Suggestion
from taxonomy.models import Attribute, AttributeValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, admin):
    client.force_login(admin)
    return client


def test_it_exports_taxonomy_json(admin_browser, taxonomy):
    response = admin_browser.get(reverse("admin:taxonomy_category_export"))
    assert response["Content-Disposition"] == 'attachment; filename="taxonomy.json"'
    document = json.loads(response.content)
    assert {a["name"] for a in document["attributes"]} >= {"Color", "Shoe size (cm)"}
    assert "Export taxonomy.json" in admin_browser.get(reverse("admin:taxonomy_category_changelist")).content.decode()


def test_it_imports_taxonomy_json(admin_browser, taxonomy):
    document = {"attributes": [{"name": "Width", "values": [{"name": "wide", "aliases": ["幅広"]}]}],
                "categories": [{"path": ["Shoes"], "attributes": {"Color": "*", "Width": "*"}}]}
    upload = SimpleUploadedFile("taxonomy.json", json.dumps(document).encode(), content_type="application/json")
    response = admin_browser.post(reverse("admin:taxonomy_category_import"), {"file": upload}, follow=True)
    assert "Imported taxonomy.json: attributes created: 1" in response.content.decode()
    assert AttributeValue.objects.get(attribute__name="Width").aliases == ["幅広"]


def test_a_refused_import_lists_the_problems_and_writes_nothing(admin_browser, taxonomy):
    upload = SimpleUploadedFile("broken.json", b'{"attributes": [{"name": "Width", "values": [{}]}], "categories": []}')
    response = admin_browser.post(reverse("admin:taxonomy_category_import"), {"file": upload})
    content = response.content.decode()
    assert response.status_code == 200 and "broken.json refused" in content and "line" in content
    assert not Attribute.objects.filter(name="Width").exists()


def test_sellers_cannot_import(client, alice, taxonomy):
    client.force_login(alice)
    response = client.get(reverse("admin:taxonomy_category_import"))
    assert response.status_code == 302  # to the admin login


def test_deleting_a_used_value_says_how_many_are_affected(admin_browser, alice, sneaker, sneaker_suggestions, taxonomy):
    red = taxonomy.value("Color", "red")
    review.accept(alice, sneaker_suggestions["red"].pk)
    review.correct(alice, sneaker_suggestions["blue"].pk, red.pk)  # blue corrected to red
    page = admin_browser.get(reverse("admin:taxonomy_attributevalue_delete", args=[red.pk])).content.decode()
    assert "1 product carries this value" in page
    assert "1 suggestion of it is deleted (0 still pending)" in page
    assert "2 review decisions about it are deleted" in page
    response = admin_browser.post(reverse("admin:taxonomy_attributevalue_delete", args=[red.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AttributeValue.objects.filter(pk=red.pk).exists()
    assert not ProductLabel.objects.filter(product=sneaker).exists()
    assert not Decision.objects.exists()  # both decisions were about red
    assert Suggestion.objects.filter(product=sneaker).count() == 3


def test_bulk_deleting_values_asks_first(admin_browser, taxonomy):
    ids = [taxonomy.value("Material", "canvas").pk, taxonomy.value("Material", "leather").pk]
    changelist = reverse("admin:taxonomy_attributevalue_changelist")
    page = admin_browser.post(changelist, {"action": "delete_selected", "_selected_action": ids}).content.decode()
    assert "0 products carry this value" in page
    admin_browser.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert not AttributeValue.objects.filter(pk__in=ids).exists()


def test_aliases_are_edited_one_per_line(admin_browser, taxonomy):
    red = taxonomy.value("Color", "red")
    page = admin_browser.get(reverse("admin:taxonomy_attributevalue_change", args=[red.pk])).content.decode()
    assert "coral\n赤" in page
    admin_browser.post(
        reverse("admin:taxonomy_attributevalue_change", args=[red.pk]),
        {"attribute": red.attribute_id, "name": "red", "aliases": "レッド\n\n ｸﾘﾑｿﾞﾝ \n"},
    )
    red.refresh_from_db()
    assert red.aliases == ["クリムゾン", "レッド"]


def test_the_values_inline_has_no_delete_box(admin_browser, taxonomy):
    color = taxonomy.value("Color", "red").attribute
    page = admin_browser.get(reverse("admin:taxonomy_attribute_change", args=[color.pk])).content.decode()
    assert "values-0-DELETE" not in page and "values-0-aliases" in page
