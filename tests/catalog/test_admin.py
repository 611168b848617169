import re

import pytest
from django.urls import reverse

from catalog.labels import add_label
from catalog.models import ProductLabel
from catalog.products import create_product

from ..conftest import changelist_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def tv(taxonomy, seller_a):
    return create_product(seller=seller_a, external_id="1", category=taxonomy.category("TVs"), title="TV")


@pytest.fixture
def labelled_tv(tv, taxonomy):
    add_label(tv, taxonomy.value("Color", "black"))
    return tv


@pytest.mark.parametrize("model, heading, row", [
    ("seller", "Select seller to change", ["shop-a", "Shop A", "1"]),
    ("product", "Select product to change", ["1", "Shop A", "TVs", "TV", "1"]),
    ("productlabel", "Select product label to change", ["shop-a/1", "Color: black", "entered by the seller"]),
])
def test_it_shows_every_catalogue_list(admin_browser, labelled_tv, model, heading, row):
    response = admin_browser.get(reverse(f"admin:catalog_{model}_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    [shown] = changelist_rows(page)
    assert shown[:len(row)] == row


def test_it_shows_a_product_with_its_labels(admin_browser, labelled_tv):
    response = admin_browser.get(reverse("admin:catalog_product_change", args=[labelled_tv.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Change product</h1>" in page and "<h2>shop-a/1</h2>" in page
    assert re.search(r'<textarea name="title"[^>]*>\s*TV</textarea>', page)
    # the label inline: the label's own line, and its value chosen in the row's select
    assert re.search(r"<p>\s*shop-a/1: Color: black\s*</p>", page)
    assert re.search(r'<option value="\d+" selected>Color: black</option>', page)


def test_it_refuses_an_irrelevant_label_in_the_admin(admin_browser, tv, taxonomy):
    red = taxonomy.value("Color", "red")
    response = admin_browser.post(reverse("admin:catalog_productlabel_add"), {"product": tv.pk, "value": red.pk, "source": "seller"})

    assert response.status_code == 200
    assert "Color: red is not relevant to category TVs" in response.content.decode()
    assert not ProductLabel.objects.exists()


def test_it_adds_a_relevant_label_in_the_admin(admin_browser, tv, taxonomy, admin):
    black = taxonomy.value("Color", "black")
    response = admin_browser.post(reverse("admin:catalog_productlabel_add"), {"product": tv.pk, "value": black.pk, "source": "seller"})

    assert response.status_code == 302
    assert ProductLabel.objects.get().created_by == admin


def _product_form(tv, **fields):
    return {
        "seller": tv.seller_id, "external_id": tv.external_id, "category": tv.category_id, "title": tv.title,
        "description": "", "labels-TOTAL_FORMS": "0", "labels-INITIAL_FORMS": "0", **fields,
    }


def test_a_title_over_the_limit_is_refused_with_a_form_error_in_the_admin(admin_browser, tv):
    from catalog.limits import MAX_TITLE_CHARS

    title = "t" * (MAX_TITLE_CHARS + 1)
    response = admin_browser.post(reverse("admin:catalog_product_change", args=[tv.pk]), _product_form(tv, title=title))

    assert response.status_code == 200
    assert f"Longer than {MAX_TITLE_CHARS:,} characters ({MAX_TITLE_CHARS + 1:,})." in response.content.decode()
    tv.refresh_from_db()
    assert tv.title == "TV"


def test_a_nul_in_a_description_is_a_form_error_in_the_admin(admin_browser, tv):
    response = admin_browser.post(reverse("admin:catalog_product_change", args=[tv.pk]), _product_form(tv, description="a\x00b"))
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


def test_a_valid_edit_still_saves_in_the_admin(admin_browser, tv):
    response = admin_browser.post(reverse("admin:catalog_product_change", args=[tv.pk]), _product_form(tv, title="Big TV"))
    assert response.status_code == 302
    tv.refresh_from_db()
    assert tv.title == "Big TV"


@pytest.mark.parametrize("url_name, data", [
    ("admin:catalog_product_add", {"seller": "shop-a", "external_id": "x", "title": "t", "category": "TVs"}),
    ("admin:accounts_user_add", {"username": "u", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase",
                                 "seller": "shop-a"}),
])
def test_a_choice_that_is_no_id_is_a_form_error_not_a_crash(admin_browser, taxonomy, seller_a, url_name, data):
    # The autocomplete widget re-rendered the invalid form with pk__in=["shop-a"]: a 500.
    page = admin_browser.post(reverse(url_name), {**data, "labels-TOTAL_FORMS": "0", "labels-INITIAL_FORMS": "0"})

    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()


@pytest.mark.parametrize("model", ["trainingrun", "modelversion", "trainingsnapshot", "unsenttask"])
def test_the_pipelines_records_cannot_be_added_by_hand_in_the_admin(admin_browser, model):
    from ml.models import ModelVersion, TrainingRun, TrainingSnapshot, UnsentTask

    counts = [m.objects.count() for m in (ModelVersion, TrainingRun, TrainingSnapshot, UnsentTask)]

    assert admin_browser.get(reverse(f"admin:ml_{model}_add")).status_code == 403
    assert admin_browser.post(reverse(f"admin:ml_{model}_add"), {}).status_code == 403
    assert [m.objects.count() for m in (ModelVersion, TrainingRun, TrainingSnapshot, UnsentTask)] == counts
