"""A taxonomy edit reaches the suggestions without retraining: the active version scores the
taxonomy as it is now (values added since by their text, removed ones never), and the products
of the categories whose labels changed are scored again in the background."""
import pytest

from catalog.models import Product, Suggestion, SuggestionStatus
from ml.models import ScoredCategory
from ml.scoring import rescore_changed_categories
from ml.tasks import score_products
from taxonomy.models import AttributeValue, CategoryAttribute

pytestmark = pytest.mark.django_db


def test_activation_records_what_each_category_was_scored_with(active_version, catalogue):
    assert ScoredCategory.objects.filter(category=catalogue.sneakers).exists()
    assert ScoredCategory.objects.filter(category=catalogue.tvs).exists()


def test_a_value_added_after_training_is_suggested_without_retraining(
        active_version, catalogue, django_capture_on_commit_callbacks):
    sizes = catalogue.values[("靴サイズ(cm)", "26.0")].attribute
    product = Product.objects.create(seller=catalogue.seller, external_id="NEW-28", category=catalogue.sneakers,
                                     title="スニーカー ブルー 28.0cm 軽量")
    score_products(active_version.pk, [product.pk])
    assert not Suggestion.objects.filter(product=product, value__name="28.0").exists()

    # the admin adds the size; sneakers allow every value of the attribute ("*")
    with django_capture_on_commit_callbacks(execute=True):
        added = AttributeValue.objects.create(attribute=sizes, name="28.0")

    # scored again in the background (eager here), by the version trained without it
    suggestion = Suggestion.objects.get(product=product, value=added)
    assert suggestion.status == SuggestionStatus.PENDING
    assert suggestion.model_version_id == active_version.pk


def test_a_removed_value_is_never_suggested_by_a_version_trained_with_it(
        active_version, catalogue, django_capture_on_commit_callbacks):
    red = catalogue.values[("カラー", "レッド")]
    assert Suggestion.objects.filter(value=red, status=SuggestionStatus.PENDING).exists()
    shoes = CategoryAttribute.objects.get(category__name="靴", attribute=red.attribute)

    with django_capture_on_commit_callbacks(execute=True):
        shoes.values.remove(red)

    assert not Suggestion.objects.filter(value=red, status=SuggestionStatus.PENDING).exists()
    score_products(active_version.pk, [p.pk for p in catalogue.products])
    assert not Suggestion.objects.filter(value=red, status=SuggestionStatus.PENDING).exists()
    # and deleted outright, it breaks nothing either
    with django_capture_on_commit_callbacks(execute=True):
        AttributeValue.objects.filter(pk=red.pk).delete()
    assert score_products(active_version.pk, [p.pk for p in catalogue.products]) > 0


def test_only_the_products_of_changed_categories_are_scored_again_and_once(
        active_version, catalogue, monkeypatch):
    sent = []
    monkeypatch.setattr("ml.outbox.send_on_commit", lambda name, *args: sent.append((name, *args)))
    AttributeValue.objects.create(attribute=catalogue.values[("画面サイズ", "32型")].attribute, name="65型")

    tvs = sorted(p.pk for p in catalogue.products if p.category_id == catalogue.tvs.pk)
    assert rescore_changed_categories() == len(tvs)
    assert sorted(pk for _, _, ids in sent for pk in ids) == tvs
    assert all(name == "ml.tasks.score_products" and version == active_version.pk for name, version, _ in sent)
    # nothing changed since: a second pass (a redelivered task) sends nothing
    assert rescore_changed_categories() == 0


def test_with_nothing_recorded_the_first_pass_only_records(registered_version, catalogue, monkeypatch):
    version = registered_version("v")
    versions_active = type(version).objects.filter(pk=version.pk)
    versions_active.update(is_active=True)
    sent = []
    monkeypatch.setattr("ml.outbox.send_on_commit", lambda name, *args: sent.append(args))

    assert rescore_changed_categories() == 0
    assert sent == []
    assert ScoredCategory.objects.count() == catalogue.sneakers.__class__.objects.count()
