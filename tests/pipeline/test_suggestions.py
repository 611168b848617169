import pytest

from catalog.models import Product, ProductLabel, Suggestion, SuggestionStatus
from ml import versions
from ml.suggestions import apply_predictions
from ml.tasks import score_catalogue, score_products, withdraw_irrelevant
from taxonomy.models import CategoryAttribute
from taxonomy.relevance import relevant_value_ids

pytestmark = pytest.mark.django_db


def test_it_scores_the_catalogue_on_activation_within_relevant_labels(active_version, catalogue):
    suggestions = list(Suggestion.objects.select_related("product"))
    assert suggestions
    for suggestion in suggestions:
        assert suggestion.value_id in relevant_value_ids(suggestion.product.category_id)
        assert not ProductLabel.objects.filter(product=suggestion.product, value=suggestion.value).exists()


def test_it_writes_nothing_twice_when_scoring_runs_twice(active_version, catalogue):
    ids = [p.pk for p in catalogue.products]
    before = sorted(Suggestion.objects.values_list("product_id", "value_id", "score", "status"))

    score_products(active_version.pk, ids)
    score_catalogue(active_version.pk)

    assert sorted(Suggestion.objects.values_list("product_id", "value_id", "score", "status")) == before


def test_it_never_suggests_again_what_a_seller_rejected(active_version, catalogue):
    suggestion = Suggestion.objects.first()
    Suggestion.objects.filter(pk=suggestion.pk).update(status=SuggestionStatus.REJECTED)

    score_products(active_version.pk, [suggestion.product_id])

    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.REJECTED
    assert Suggestion.objects.filter(product=suggestion.product_id, value=suggestion.value_id).count() == 1


def test_it_withdraws_pending_suggestions_the_taxonomy_no_longer_allows(active_version, catalogue):
    # given pending screen-size suggestions on televisions
    pending = Suggestion.objects.filter(status=SuggestionStatus.PENDING, value__attribute__name="画面サイズ")
    assert pending.exists()

    ids = list(pending.values_list("pk", flat=True))
    before = max(Suggestion.objects.filter(pk__in=ids).values_list("updated_at", flat=True))

    # when the admin removes the attribute from the category
    CategoryAttribute.objects.get(category=catalogue.tvs, attribute__name="画面サイズ").delete()
    withdraw_irrelevant()

    # then none of them is pending any more, each stamped with when it was withdrawn; other
    # suggestions are untouched
    assert not pending.exists()
    assert all(stamp > before for stamp in Suggestion.objects.filter(pk__in=ids).values_list("updated_at", flat=True))
    assert Suggestion.objects.filter(status=SuggestionStatus.PENDING, value__attribute__name="カラー").exists()


@pytest.mark.django_db(transaction=True)
def test_it_schedules_the_withdrawal_when_the_taxonomy_changes(active_version, catalogue):
    pending = Suggestion.objects.filter(status=SuggestionStatus.PENDING, value__attribute__name="画面サイズ")
    assert pending.exists()

    # committed at once (autocommit): the withdrawal task runs eagerly on commit
    CategoryAttribute.objects.get(category=catalogue.tvs, attribute__name="画面サイズ").delete()

    assert not pending.exists()


def test_it_scores_a_product_created_after_activation_once_committed(active_version, catalogue, django_capture_on_commit_callbacks):
    from catalog.signals import products_changed

    with django_capture_on_commit_callbacks(execute=True):
        product = Product.objects.create(
            seller=catalogue.seller, external_id="NEW-1", category=catalogue.sneakers, title="スニーカー ブルー 26.0cm"
        )
        products_changed.send(sender=Product, product_ids=[product.pk])

    assert Suggestion.objects.filter(product=product).exists()


def test_it_does_not_score_with_a_version_that_is_no_longer_active(registered_version, eager_celery, catalogue):
    old = registered_version("old")
    versions.activate_version(old.pk)
    versions.activate_version(registered_version("new").pk)
    Suggestion.objects.all().delete()

    assert score_products(old.pk, [p.pk for p in catalogue.products]) == 0
    assert not Suggestion.objects.exists()


def test_it_withdraws_what_a_taxonomy_import_made_irrelevant(active_version, catalogue, tmp_path, django_capture_on_commit_callbacks):
    import json

    from taxonomy.importing import import_taxonomy

    from .conftest import catalogue_taxonomy

    taxonomy = catalogue_taxonomy()
    taxonomy["categories"][3]["attributes"] = {}  # televisions lose their screen sizes
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(taxonomy, ensure_ascii=False), encoding="utf-8")
    pending = Suggestion.objects.filter(status=SuggestionStatus.PENDING, value__attribute__name="画面サイズ")
    assert pending.exists()

    with django_capture_on_commit_callbacks(execute=True):
        with open(path, "rb") as stream:
            import_taxonomy(stream)

    assert not pending.exists()


def test_it_exports_the_stored_suggestions_as_predictions(active_version, catalogue, tmp_path):
    import json

    from django.core.management import call_command

    out = tmp_path / "predictions.jsonl"
    call_command("export_predictions", "--out", str(out), "--seller", catalogue.seller.slug)

    lines = {row["id"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(lines) == {p.external_id for p in catalogue.products}
    for product in catalogue.products:
        stored = {
            (s.value.attribute.name, s.value.name)
            for s in Suggestion.objects.filter(product=product, status=SuggestionStatus.PENDING)
        }
        assert {tuple(pair) for pair in lines[product.external_id]["predicted"]} == stored


def test_a_products_suggestions_do_not_depend_on_the_chunk_it_is_scored_in(active_version, catalogue):
    together = {(p, v, s): score for p, v, s, score in Suggestion.objects.values_list("product_id", "value_id", "status", "score")}
    Suggestion.objects.all().delete()

    for product in catalogue.products:
        score_products(active_version.pk, [product.pk])

    alone = {(p, v, s): score for p, v, s, score in Suggestion.objects.values_list("product_id", "value_id", "status", "score")}
    assert set(alone) == set(together)
    # fp32 scores move only in the last digits with the batch's shape
    assert all(abs(alone[key] - together[key]) < 1e-4 for key in alone)


def _predictions_of(suggestions, score):
    """Predictions (ml.xmc's format) that suggest these rows' labels again, each at `score`."""
    by_product = {}
    for suggestion in suggestions:
        pair = [suggestion.value.attribute.name, suggestion.value.name]
        entry = by_product.setdefault(suggestion.product_id, {"id": str(suggestion.product_id), "scores": [], "predicted": []})
        entry["scores"].append([*pair, score])
        entry["predicted"].append(pair)
    return list(by_product.values())


def test_a_new_version_rescores_the_pending_suggestions_in_place(active_version, registered_version, catalogue):
    newer = registered_version("newer")
    pending = list(Suggestion.objects.filter(status=SuggestionStatus.PENDING).select_related("value__attribute")[:5])
    products = list(Product.objects.filter(pk__in={s.product_id for s in pending}))

    written = apply_predictions(newer, products, _predictions_of(pending, 0.777), thresholds=(0.3, {}))

    rows = Suggestion.objects.filter(product__in=products, status=SuggestionStatus.PENDING)
    # the same rows (no new ids), each with the new version's score and cut-off
    assert written == rows.count()
    assert set(rows.values_list("pk", flat=True)) == {s.pk for s in pending}
    assert set(rows.values_list("score", "threshold", "model_version_id")) == {(0.777, 0.3, newer.pk)}


def test_a_chunk_scored_again_with_the_same_scores_rewrites_no_row(active_version, registered_version, catalogue):
    newer = registered_version("newer")
    pending = list(Suggestion.objects.filter(status=SuggestionStatus.PENDING).select_related("value__attribute")[:5])
    products = list(Product.objects.filter(pk__in={s.product_id for s in pending}))
    apply_predictions(newer, products, _predictions_of(pending, 0.6), thresholds=(0.3, {}))
    before = dict(Suggestion.objects.filter(product__in=products).values_list("pk", "updated_at"))

    again = apply_predictions(newer, products, _predictions_of(pending, 0.6), thresholds=(0.3, {}))

    assert again == len(pending)
    assert dict(Suggestion.objects.filter(product__in=products).values_list("pk", "updated_at")) == before
    # a score that did change is written
    apply_predictions(newer, products, _predictions_of(pending[:1], 0.61), thresholds=(0.3, {}))
    assert Suggestion.objects.get(pk=pending[0].pk).updated_at > before[pending[0].pk]
