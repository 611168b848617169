"""Import → train → activate → suggestions within relevant labels → decisions → next snapshot.

Runs through a real Celery worker on the configured broker (Redis and PostgreSQL in CI).
"""

import pytest

from catalog import review
from catalog.models import Decision, DecisionAction, ProductLabel, Suggestion
from ml import runs, versions
from ml.models import ModelVersion, RunStatus, TrainingRun
from ml.snapshots import create_snapshot, read_snapshot_products
from taxonomy.relevance import relevant_value_ids

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_trains_activates_suggests_within_relevant_labels_and_feeds_decisions_back(
    catalogue, model_dir, training_parameters, celery_worker, django_user_model, settings
):
    # given a staff member and the catalogue in the database, a third of it held out
    settings.ZOKUSEI_HELD_OUT_FRACTION = 0.3
    staff = django_user_model.objects.create_user("sakura", password="x", is_staff=True)

    # when staff start a run, the worker trains it, writing progress as it goes
    run = runs.start_training_run(staff, training_parameters)
    run = wait_for(
        lambda: (r := TrainingRun.objects.get(pk=run.pk)).is_finished and r, what="the training run to end"
    )
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.loss_history and run.percent == 100.0 and run.total_steps > 0
    assert {"micro_f1", "macro_f1", "p@1", "groups"} <= set(run.metrics)
    version = ModelVersion.objects.get(run=run)

    # and activating the version scores the whole catalogue on the inference queue
    versions.activate_version(version.pk, staff)
    unlabelled = [p for p in catalogue.products if not p.labels.exists()]
    wait_for(
        lambda: Suggestion.objects.filter(product__in=unlabelled).values("product").distinct().count() == len(unlabelled),
        what="suggestions for every unlabelled product",
    )

    # then every suggestion is relevant to its product's category and not already a label
    suggestions = list(Suggestion.objects.select_related("product"))
    assert suggestions
    for suggestion in suggestions:
        assert suggestion.value_id in relevant_value_ids(suggestion.product.category_id)
        assert not ProductLabel.objects.filter(product=suggestion.product, value=suggestion.value).exists()
        assert suggestion.model_version_id == version.pk and 0.0 <= suggestion.score <= 1.0

    # when staff accept one suggestion and reject another, as the review UI and API do
    accepted, rejected = suggestions[0], next(s for s in suggestions[1:] if s.product_id != suggestions[0].product_id)
    review.accept(staff, accepted.pk)
    review.reject(staff, rejected.pk)
    decisions = list(Decision.objects.order_by("id").values_list("suggestion", "action", "model_version", "user"))
    assert decisions == [
        (accepted.pk, DecisionAction.ACCEPT, version.pk, staff.pk),
        (rejected.pk, DecisionAction.REJECT, version.pk, staff.pk),
    ]

    # then the next run's snapshot has the accepted pair as a positive, the rejected one as a negative
    snapshot = create_snapshot(seed=1, held_out_fraction=0.0)
    products = {p["id"]: p for p in read_snapshot_products(snapshot, "train")}
    pair = lambda s: [s.value.attribute.name, s.value.name]  # noqa: E731
    assert pair(accepted) in products[str(accepted.product_id)]["labels"]
    assert pair(rejected) in products[str(rejected.product_id)]["negatives"]
    assert snapshot.last_decision_id == Decision.objects.latest("id").pk
