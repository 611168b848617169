"""Celery tasks of the pipeline: each takes ids and calls a domain function; all are safe to
run twice. What a task itself decides is only whether a message is tried again, and when.

Queues (routing in config/settings.py): `training` (GPU workers) trains (ml/training.py),
`inference` (GPU or CPU workers) scores products (ml/scoring.py), `default` runs the small
housekeeping tasks. Domain modules send these tasks by name through ml/outbox.py, so none of
them imports this module.
"""
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection

from . import outbox, scoring, training
from .retention import apply_configured_retention
from .runs import (
    HEARTBEAT_INTERVAL,
    RECLAIM_AFTER,
    fail_dead_runs,
    may_have_lost_its_worker,
    resend_stalled_runs,
    start_run_after_enough_decisions,
)

# The retry delays live with the scoring they pace; imported here for the tasks (and tests).
from .scoring import DATABASE_RETRY_DELAY, SCORING_RETRIES, SCORING_RETRY_DELAY  # noqa: F401
from .suggestions import withdraw_irrelevant_suggestions

log = logging.getLogger(__name__)

# A redelivered training task that finds its run running with a fresh heartbeat looks again
# this many times, RECLAIM_AFTER apart: by then a dead worker's run can be taken over, and a
# run still beating has a live worker (the message was a duplicate) and is left to it.
RECLAIM_CHECKS = 2


@shared_task(bind=True, name="ml.tasks.train_model", max_retries=RECLAIM_CHECKS)
def train_model(self, run_id: int) -> None:
    if training.train_run(run_id, self.request.hostname or "local"):
        return
    # Not claimed while running with a fresh heartbeat: a duplicate message, or a redelivery
    # right after its worker died; look again once a dead worker's heartbeat would be stale.
    if may_have_lost_its_worker(run_id) and not self.request.called_directly and self.request.retries < RECLAIM_CHECKS:
        raise self.retry(countdown=RECLAIM_AFTER + HEARTBEAT_INTERVAL)
    # otherwise another worker trains it, it ended, or it was cancelled while queued


@shared_task(name="ml.tasks.score_catalogue")
def score_catalogue(version_id: int) -> int:
    """Fan the whole catalogue out over the inference queue in chunks."""
    return scoring.send_catalogue_chunks(version_id)


@shared_task(bind=True, name="ml.tasks.score_products", max_retries=SCORING_RETRIES)
def score_products(self, version_id: int, product_ids: list[int]) -> int:
    try:
        return scoring.score_chunk(version_id, product_ids, self.request.retries)
    except scoring.ModelUnavailable as unavailable:
        error, delay = unavailable.__cause__, SCORING_RETRY_DELAY
    except (OperationalError, InterfaceError) as lost:
        log.warning("scoring %d products with model version %s lost the database (try %d of %d): %s",
                    len(product_ids), version_id, self.request.retries + 1, SCORING_RETRIES + 1, lost)
        # A dropped connection stays unusable: the retry must open a new one. (Inside a test's
        # transaction the connection is the test's, and is left to it.)
        if not connection.in_atomic_block:
            connection.close()
        error, delay = lost, DATABASE_RETRY_DELAY
    if self.request.called_directly or self.request.retries >= SCORING_RETRIES:
        raise error
    raise self.retry(exc=error, countdown=delay * 2 ** self.request.retries)


@shared_task(name="ml.tasks.withdraw_irrelevant")
def withdraw_irrelevant() -> int:
    return withdraw_irrelevant_suggestions()


@shared_task(name="ml.tasks.follow_taxonomy")
def follow_taxonomy() -> dict:
    """After a taxonomy edit: withdraw what became irrelevant, score again what changed."""
    return {"withdrawn": withdraw_irrelevant_suggestions(), "rescored": scoring.rescore_changed_categories()}


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
    report = apply_configured_retention()
    return {"versions": report.versions, "snapshots": report.snapshots}


@shared_task(name="ml.tasks.train_if_enough_decisions")
def train_if_enough_decisions() -> int | None:
    run = start_run_after_enough_decisions()
    return run.pk if run else None
