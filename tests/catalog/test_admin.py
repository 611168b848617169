import pytest
from django.urls import reverse

from catalog.models import ProductLabel
from catalog.products import create_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def tv(taxonomy, seller_a):
    return create_product(seller=seller_a, external_id="1", category=taxonomy.category("TVs"), title="TV")


@pytest.mark.parametrize("model", ["seller", "product", "productlabel"])
def test_it_shows_every_catalogue_list(admin_browser, tv, model):
    assert admin_browser.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200


def test_it_shows_a_product_with_its_labels(admin_browser, tv):
    assert admin_browser.get(reverse("admin:catalog_product_change", args=[tv.pk])).status_code == 200


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
