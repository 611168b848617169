import pytest
from django.core.exceptions import ValidationError

from catalog.labels import add_label, remove_label
from catalog.models import LabelSource, ProductLabel
from catalog.products import create_product, delete_product, update_product
from catalog.signals import products_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def sneaker(taxonomy, seller_a, alice):
    return create_product(
        seller=seller_a, external_id="A-1", category=taxonomy.category("Shoes", "Men's shoes", "Sneakers"),
        title="Sneaker", labels=[taxonomy.value("Color", "red").pk], user=alice,
    )


@pytest.fixture
def heard():
    calls = []
    products_changed.connect(lambda **kwargs: calls.append(kwargs["product_ids"]), weak=False, dispatch_uid="test-heard")
    yield calls
    products_changed.disconnect(dispatch_uid="test-heard")


def test_it_creates_a_product_with_seller_labels(sneaker, alice):
    label = sneaker.labels.get()
    assert (label.value.name, label.source, label.created_by) == ("red", LabelSource.SELLER, alice)


def test_it_refuses_an_irrelevant_label_naming_attribute_value_and_category(sneaker, taxonomy):
    with pytest.raises(ValidationError) as refused:
        add_label(sneaker, taxonomy.value("Screen size", "55 inch"))

    assert refused.value.messages == [
        "Screen size: 55 inch is not relevant to category Shoes > Men's shoes > Sneakers "
        "(neither the category nor its ancestors allow this pair)"
    ]
    assert sneaker.labels.count() == 1


def test_it_refuses_to_create_a_product_with_an_irrelevant_label(taxonomy, seller_a):
    with pytest.raises(ValidationError, match="Material: canvas is not relevant"):
        create_product(seller=seller_a, external_id="A-9", category=taxonomy.category("Shoes", "Women's shoes"),
                       title="Boot", labels=[taxonomy.value("Material", "canvas").pk])


def test_it_refuses_a_second_product_with_the_same_id(sneaker, taxonomy, seller_a):
    with pytest.raises(ValidationError, match="already has a product with id 'A-1'"):
        create_product(seller=seller_a, external_id="A-1", category=taxonomy.category("TVs"), title="TV")


def test_it_adds_a_label_once_and_keeps_its_first_source(sneaker, taxonomy):
    add_label(sneaker, taxonomy.value("Color", "red"), source=LabelSource.SUGGESTION)
    assert list(sneaker.labels.values_list("source", flat=True)) == [LabelSource.SELLER]


def test_it_removes_a_label(sneaker, taxonomy):
    assert remove_label(sneaker, taxonomy.value("Color", "red"))
    assert not remove_label(sneaker, taxonomy.value("Color", "red"))


def test_it_drops_labels_a_new_category_does_not_allow(sneaker, taxonomy):
    add_label(sneaker, taxonomy.value("Shoe size (cm)", "25.0"))

    update_product(sneaker, category=taxonomy.category("Shoes"), title="Plain shoe")

    assert {label.value.name for label in sneaker.labels.all()} == {"red"}
    sneaker.refresh_from_db()
    assert sneaker.title == "Plain shoe"


def test_it_announces_changes_after_commit(sneaker, taxonomy, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        update_product(sneaker, title="Renamed")
        add_label(sneaker, taxonomy.value("Color", "blue"))
        update_product(sneaker, title="Renamed")  # no change: no signal
    assert heard == [[sneaker.pk], [sneaker.pk]]


def test_it_deletes_a_product_with_its_labels(sneaker):
    delete_product(sneaker)
    assert not ProductLabel.objects.exists()
