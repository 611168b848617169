"""Celery tasks of the pipeline. They take ids, fetch fresh rows, and are safe to run twice.

Queues (routing in config/settings.py): `training` (GPU workers) trains, `inference` (GPU or
CPU workers) scores products, `default` runs the small housekeeping tasks.
"""
import logging
import shutil
import threading
import traceback
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from catalog.models import Product, Decision
from taxonomy.models import Category
from taxonomy.names import split_path_key

from django.utils import timezone

from . import outbox
from .artifacts import artifact_checksum, run_artifact_dir
from .inference import load_model, product_document
from .models import ModelVersion, RunStatus, TrainingRun, TrainingSnapshot
from .paging import in_pk_batches
from .runs import (
    HEARTBEAT_INTERVAL, RECLAIM_AFTER, ProgressRecorder, beat, claim_run, fail_dead_runs,
    finish_run, may_have_lost_its_worker, owns, resend_stalled_runs, start_training_run,
)
from .snapshots import create_snapshot, read_snapshot_products, read_snapshot_taxonomy, remove_partial_snapshots
from .suggestions import apply_predictions, withdraw_irrelevant_suggestions

log = logging.getLogger(__name__)

# A redelivered training task that finds its run running with a fresh heartbeat looks again
# this many times, RECLAIM_AFTER apart: by then a dead worker's run can be taken over, and a
# run still beating has a live worker (the message was a duplicate) and is left to it.
RECLAIM_CHECKS = 2
# A chunk that cannot be scored (the active artifact is corrupted or unreadable) is tried
# again this many times, with exponential backoff from SCORING_RETRY_DELAY seconds; the error
# stays on the version's row for staff to see (versions page, API).
SCORING_RETRIES = 5
SCORING_RETRY_DELAY = 30
# A chunk whose database connection dropped (the server restarted, failed over, or ended the
# session) is tried again sooner: the database is usually back within seconds. The chunk's
# writes are one transaction and an upsert on (product, value), so a retry duplicates nothing.
DATABASE_RETRY_DELAY = 5


class Heartbeat(threading.Thread):
    """Writes the run's heartbeat while the task's process is alive; dies with it."""

    def __init__(self, run_id: int, attempt: int | None = None, interval: float | None = None):
        super().__init__(daemon=True, name=f"heartbeat-run-{run_id}")
        # Read when the thread is made, not when the module is: a test's worker may shorten it.
        self.interval = HEARTBEAT_INTERVAL if interval is None else interval
        self.run_id, self.attempt, self.stopped = run_id, attempt, threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(self.interval):
                beat(self.run_id, self.attempt)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)


@shared_task(bind=True, name="ml.tasks.train_model", max_retries=RECLAIM_CHECKS)
def train_model(self, run_id: int) -> None:
    attempt = claim_run(run_id, self.request.hostname or "local")
    if attempt is None:
        # Running with a fresh heartbeat: a duplicate message, or a redelivery right after its
        # worker died; look again once a dead worker's heartbeat would be stale.
        if may_have_lost_its_worker(run_id) and not self.request.called_directly and self.request.retries < RECLAIM_CHECKS:
            raise self.retry(countdown=RECLAIM_AFTER + HEARTBEAT_INTERVAL)
        return  # another worker trains it, it ended, or it was cancelled while queued
    heartbeat = Heartbeat(run_id, attempt)
    heartbeat.start()
    try:
        _train(run_id, attempt)
    finally:
        heartbeat.stop()


def start_training_thread(run_id: int, *, daemon: bool = True) -> threading.Thread:
    """Train a run in a thread of this process instead of on a worker (`train_model
    --in-process`, `manage.py demo`). The thread closes its database connection when done."""

    def work():
        try:
            train_model.run(run_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=daemon, name=f"train-run-{run_id}")
    thread.start()
    return thread


def _train(run_id: int, attempt: int | None = None) -> None:
    from ml.xmc.config import TrainConfig
    from ml.xmc.model import XmcModel
    from ml.xmc.train import TrainingCancelled, train

    from .versions import register_version

    out_dir = run_artifact_dir(run_id)
    recorder = ProgressRecorder(run_id, attempt)
    try:
        run = TrainingRun.objects.select_related("snapshot").get(pk=run_id)
        config = TrainConfig.from_dict({"device": settings.ZOKUSEI_DEVICE, **run.parameters})
        snapshot = _intact(run.snapshot) or create_snapshot(seed=config.seed)
        TrainingRun.objects.filter(pk=run_id, attempts=run.attempts).update(snapshot=snapshot, stage="train")
        taxonomy = read_snapshot_taxonomy(snapshot)
        train_products = read_snapshot_products(snapshot, "train")
        if not train_products:
            raise ValueError("there is no labelled product to train on: import products with labels first")
        shutil.rmtree(out_dir, ignore_errors=True)  # a retried run starts from a clean folder
        train(taxonomy, train_products, config, out_dir, progress=recorder, should_stop=recorder.should_stop)
        recorder.set_stage("evaluate")
        model = XmcModel.load(out_dir, device=settings.ZOKUSEI_DEVICE, bf16=settings.ZOKUSEI_INFERENCE_BF16)
        metrics, comparison = evaluate_against_active(model, snapshot, taxonomy, train_products)
        # The version and the run's success commit together: a worker killed in between leaves
        # neither, and a run taken over by another worker (attempt no longer ours) registers none.
        with transaction.atomic():
            version = register_version(
                run=TrainingRun.objects.get(pk=run_id), artifact_dir=out_dir, encoder=config.encoder,
                label_count=len(model.label_space), taxonomy_revision=snapshot.taxonomy_revision, metrics=metrics,
            )
            if not finish_run(run_id, RunStatus.SUCCEEDED, attempt=attempt, metrics=metrics, comparison=comparison,
                              percent=100.0, stage="done"):
                transaction.set_rollback(True)
                return
    except TrainingCancelled:
        _end(run_id, attempt, RunStatus.CANCELLED, error="cancelled by staff", stage="cancelled")
        return
    except SoftTimeLimitExceeded:
        _end(run_id, attempt, RunStatus.FAILED, error=f"time limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} s exceeded")
        return
    except Exception as error:  # noqa: BLE001 - any failure must end the run, with its reason
        log.exception("training run %s failed", run_id)
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        _end(run_id, attempt, RunStatus.FAILED, error=detail, stage="failed")
        return
    if settings.ZOKUSEI_AUTO_ACTIVATE and is_better(metrics, comparison):
        from .versions import activate_version

        activate_version(version.pk, user=None)


def _intact(snapshot: TrainingSnapshot | None) -> TrainingSnapshot | None:
    """The snapshot of an earlier attempt of the run, when its files are still as written:
    the run starts over on the same data instead of leaving that folder behind."""
    if snapshot is None or snapshot.pruned_at is not None or not Path(snapshot.path).is_dir():
        return None
    return snapshot if artifact_checksum(snapshot.path) == snapshot.checksum else None


def _end(run_id: int, attempt: int | None, status: str, **fields) -> None:
    """End the run without a version; its folder goes only while the run is still this
    attempt's (a worker that lost the run must not delete its successor's files)."""
    if owns(run_id, attempt):
        shutil.rmtree(run_artifact_dir(run_id), ignore_errors=True)
    finish_run(run_id, status, attempt=attempt, **fields)


def evaluate_against_active(new_model, snapshot: TrainingSnapshot, taxonomy: dict, train_products: list[dict]):
    """Figures of the new model and of the active version on the snapshot's held-out part."""
    from ml.xmc.metrics import score

    heldout = read_snapshot_products(snapshot, "heldout")
    if not heldout:
        return {}, {}
    inputs = [{k: p[k] for k in ("id", "category", "title", "description")} for p in heldout]
    metrics = score(heldout, list(new_model.predict(inputs)), taxonomy, train_products)
    comparison = {}
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is not None:
        try:
            old_predictions = list(load_model(active).predict(inputs))
            comparison = {"model_version": active.pk, **score(heldout, old_predictions, taxonomy, train_products)}
        except Exception as error:  # noqa: BLE001 - a broken old version must not fail the new run
            comparison = {"model_version": active.pk, "error": str(error)}
    return metrics, comparison


def is_better(metrics: dict, comparison: dict) -> bool:
    if not metrics:
        return False
    if not comparison or "micro_f1" not in comparison:
        return True
    return metrics["micro_f1"] > comparison["micro_f1"]


@shared_task(name="ml.tasks.score_catalogue")
def score_catalogue(version_id: int) -> int:
    """Fan the whole catalogue out over the inference queue in chunks."""
    if not ModelVersion.objects.filter(pk=version_id, is_active=True).exists():
        return 0
    chunks = 0
    product_ids = Product.objects.values_list("pk", flat=True)
    for ids in in_pk_batches(product_ids, settings.ZOKUSEI_SCORING_CHUNK_SIZE):
        outbox.send(score_products, version_id, ids)
        chunks += 1
    return chunks


@shared_task(bind=True, name="ml.tasks.score_products", max_retries=SCORING_RETRIES)
def score_products(self, version_id: int, product_ids: list[int]) -> int:
    try:
        return _score_chunk(self, version_id, product_ids)
    except (OperationalError, InterfaceError) as error:
        log.warning("scoring %d products with model version %s lost the database (try %d of %d): %s",
                    len(product_ids), version_id, self.request.retries + 1, SCORING_RETRIES + 1, error)
        # A dropped connection stays unusable: the retry must open a new one. (Inside a test's
        # transaction the connection is the test's, and is left to it.)
        if not connection.in_atomic_block:
            connection.close()
        if self.request.called_directly or self.request.retries >= SCORING_RETRIES:
            raise
        raise self.retry(exc=error, countdown=DATABASE_RETRY_DELAY * 2 ** self.request.retries)


def _score_chunk(task, version_id: int, product_ids: list[int]) -> int:
    version = ModelVersion.objects.filter(pk=version_id, is_active=True).first()
    if version is None:
        return 0  # a newer version became active; its own catalogue scoring covers these
    products = list(Product.objects.filter(pk__in=product_ids).only("pk", "category_id", "title", "description"))
    if not products:
        return 0
    paths = dict(Category.objects.filter(pk__in={p.category_id for p in products}).values_list("pk", "path_key"))
    try:
        model = load_model(version)
    except Exception as error:  # noqa: BLE001 - a missing, altered or unreadable artifact: say so, retry
        _record_scoring_error(version, error, task.request.retries)
        if task.request.called_directly or task.request.retries >= SCORING_RETRIES:
            raise
        raise task.retry(exc=error, countdown=SCORING_RETRY_DELAY * 2 ** task.request.retries)
    if version.scoring_error:
        ModelVersion.objects.filter(pk=version.pk).update(scoring_error="", scoring_error_at=None)
    documents = [product_document(p, split_path_key(paths[p.category_id])) for p in products]
    # Products in categories the version was not trained on get no suggestions from it.
    predictions = list(model.predict(documents, on_unknown="skip"))
    return apply_predictions(version, products, predictions)


def _record_scoring_error(version: ModelVersion, error: Exception, retries: int) -> None:
    log.error("model version %s cannot score products (try %d of %d): %s", version.pk, retries + 1,
              SCORING_RETRIES + 1, error)
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    ModelVersion.objects.filter(pk=version.pk).update(
        scoring_error=f"{detail} (try {retries + 1} of {SCORING_RETRIES + 1})"[:4000], scoring_error_at=timezone.now()
    )


def score_products_on_commit(product_ids) -> None:
    """Score created or changed products with the active version once their transaction commits."""
    ids = sorted(set(int(pk) for pk in product_ids))
    if not ids:
        return

    def enqueue():
        version_id = ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True).first()
        if version_id is None:
            return
        chunk_size = settings.ZOKUSEI_SCORING_CHUNK_SIZE
        for start in range(0, len(ids), chunk_size):
            outbox.send(score_products, version_id, ids[start : start + chunk_size])

    transaction.on_commit(enqueue)


@shared_task(name="ml.tasks.withdraw_irrelevant")
def withdraw_irrelevant() -> int:
    return withdraw_irrelevant_suggestions()


@shared_task(name="ml.tasks.fail_dead_runs")
def fail_dead_runs_task() -> list[int]:
    return fail_dead_runs()


@shared_task(name="ml.tasks.resend_stalled_runs")
def resend_stalled_runs_task() -> list[int]:
    return resend_stalled_runs()


@shared_task(name="ml.tasks.send_unsent")
def send_unsent() -> int:
    return outbox.send_unsent()


@shared_task(name="ml.tasks.prune_artifacts")
def prune_artifacts() -> dict:
    """Daily retention with ZOKUSEI_KEEP_MODEL_VERSIONS / ZOKUSEI_KEEP_SNAPSHOTS (0 = keep all),
    and snapshot folders a killed worker left half-written (always)."""
    from .retention import configured_limits, prune

    remove_partial_snapshots()
    keep_versions, keep_snapshots = configured_limits()
    if keep_versions is None and keep_snapshots is None:
        return {"versions": [], "snapshots": []}
    report = prune(keep_versions, keep_snapshots)
    return {"versions": report.versions, "snapshots": report.snapshots}


@shared_task(name="ml.tasks.train_if_enough_decisions")
def train_if_enough_decisions() -> int | None:
    """Start a run once ZOKUSEI_AUTO_TRAIN_AFTER_DECISIONS new decisions have accumulated."""
    threshold = settings.ZOKUSEI_AUTO_TRAIN_AFTER_DECISIONS
    if not threshold:
        return None
    if TrainingRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        return None
    last = TrainingSnapshot.objects.order_by("-last_decision_id").values_list("last_decision_id", flat=True).first() or 0
    if Decision.objects.filter(pk__gt=last).count() < threshold:
        return None
    return start_training_run(None, {}).pk
