"""A training task redelivered after its worker was killed, and a corrupted active artifact.

The killed worker is simulated by its traces: a run left "running" with a heartbeat that
stopped, its snapshot, and a half-written artifact folder (tests/pipeline/test_runs.py kills a
real process).
"""
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from ml import runs, versions
from ml.inference import _models
from ml.models import ModelVersion, RunStatus, TrainingRun
from ml.snapshots import PARTIAL_PREFIX, create_snapshot, remove_partial_snapshots, snapshot_root
from ml.tasks import RECLAIM_CHECKS, SCORING_RETRY_DELAY, score_products, train_model

pytestmark = pytest.mark.django_db


def killed_run(parameters, *, silent_for=timedelta(minutes=5), attempts=1):
    """A run whose worker died while training: running, heartbeat stopped, files half-written."""
    run = runs.start_training_run(None, parameters, enqueue=False)
    snapshot = create_snapshot(seed=0)
    TrainingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now() - silent_for, heartbeat_at=timezone.now() - silent_for,
        worker="celery@dead", stage="train", snapshot=snapshot, attempts=attempts, step=40, percent=60.0,
    )
    folder = Path(runs.run_artifact_dir(run.pk))
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"half-written")
    return TrainingRun.objects.get(pk=run.pk), folder


def test_a_redelivered_task_takes_over_a_run_whose_worker_died_and_starts_it_over(
        catalogue, model_dir, training_parameters, registered_version, eager_celery):
    active = registered_version("active")
    versions.activate_version(active.pk)
    run, folder = killed_run(training_parameters)

    train_model.run(run.pk)  # the broker redelivers the task (acks_late, reject_on_worker_lost)

    finished = TrainingRun.objects.get(pk=run.pk)
    assert finished.status == RunStatus.SUCCEEDED, finished.error
    assert finished.attempts == 2 and finished.worker != "celery@dead"
    assert finished.snapshot_id == run.snapshot_id  # the same data, no orphan snapshot folder
    assert (folder / "model.safetensors").read_bytes() != b"half-written"  # trained from a clean folder
    assert ModelVersion.objects.get(run=run).artifact_uri == str(folder)
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]  # activation stays with staff


def test_a_redelivered_task_waits_while_the_run_still_beats(catalogue, model_dir, training_parameters, monkeypatch):
    run, _ = killed_run(training_parameters, silent_for=timedelta(seconds=1))
    retried = []

    def retry(**options):
        from celery.exceptions import Retry

        retried.append(options)
        return Retry()

    monkeypatch.setattr(train_model, "retry", retry)

    result = train_model.apply(args=(run.pk,))

    assert result.state == "RETRY"
    assert retried and retried[0]["countdown"] > runs.RECLAIM_AFTER
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.attempts == 1 and run.worker == "celery@dead"
    # a duplicate of a live run's message gives up after a few looks
    assert train_model.apply(args=(run.pk,), retries=RECLAIM_CHECKS).state == "SUCCESS"


def test_only_one_of_two_redelivered_tasks_takes_the_run_and_the_old_worker_cannot_finish_it(
        catalogue, model_dir, training_parameters):
    run, _ = killed_run(training_parameters)

    first, second = runs.claim_run(run.pk, "celery@b"), runs.claim_run(run.pk, "celery@c")

    assert (first, second) == (2, None)
    assert not runs.finish_run(run.pk, RunStatus.SUCCEEDED, attempt=1)  # the worker thought dead
    assert runs.owns(run.pk, 2) and not runs.owns(run.pk, 1)
    assert TrainingRun.objects.get(pk=run.pk).worker == "celery@b"


def test_a_run_that_keeps_losing_its_worker_is_failed_and_its_half_written_folder_removed(
        catalogue, model_dir, training_parameters):
    run, folder = killed_run(training_parameters, attempts=runs.MAX_ATTEMPTS)

    train_model.run(run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and f"lost its worker {runs.MAX_ATTEMPTS} times" in run.error
    assert not folder.exists()
    assert not ModelVersion.objects.exists()


def test_a_run_failed_for_a_stopped_heartbeat_leaves_no_half_written_folder(catalogue, model_dir, training_parameters):
    run, folder = killed_run(training_parameters)

    assert runs.fail_dead_runs(timeout_seconds=60) == [run.pk]

    assert not folder.exists()


def test_a_snapshot_interrupted_while_written_leaves_no_folder_that_looks_complete(catalogue, model_dir, monkeypatch):
    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("ml.snapshots._write_products", killed)
    with pytest.raises(KeyboardInterrupt):
        create_snapshot(seed=0)
    assert list(snapshot_root().iterdir()) == []

    # what a SIGKILL leaves (no clean-up ran) is removed by the daily sweep once it is old
    left = snapshot_root() / f"{PARTIAL_PREFIX}20260101-000000-deadbeef"
    left.mkdir()
    assert remove_partial_snapshots() == []
    os.utime(left, (time.time() - 2 * 24 * 3600,) * 2)
    assert remove_partial_snapshots() == [str(left)]
    assert not left.exists()


def corrupt(version):
    weights = next(Path(version.artifact_uri).rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[: len(weights.read_bytes()) // 2])  # truncated
    _models.clear()  # a fresh worker, which loads the artifact from disk


def test_scoring_with_a_corrupted_active_artifact_records_the_error_and_retries_with_backoff(
        catalogue, registered_version, eager_celery, monkeypatch):
    version = registered_version("v")
    versions.activate_version(version.pk)
    corrupt(version)
    retried = []

    def retry(**options):
        from celery.exceptions import Retry

        retried.append(options)
        return Retry()

    monkeypatch.setattr(score_products, "retry", retry)
    ids = [catalogue.products[0].pk]

    assert score_products.apply(args=(version.pk, ids)).state == "RETRY"
    assert score_products.apply(args=(version.pk, ids), retries=2).state == "RETRY"
    last = score_products.apply(args=(version.pk, ids), retries=score_products.max_retries)

    assert [r["countdown"] for r in retried] == [SCORING_RETRY_DELAY, 4 * SCORING_RETRY_DELAY]
    assert last.state == "FAILURE"  # bounded: the last try gives up, the error stays recorded
    version.refresh_from_db()
    assert "does not match its recorded checksum" in version.scoring_error and version.scoring_error_at


def test_staff_see_a_scoring_error_on_the_versions_page(client, staff, registered_version, catalogue):
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(
        is_active=True, scoring_error="ArtifactError: the model artifact does not match its recorded checksum")
    client.force_login(staff)

    page = client.get(reverse("frontend:versions"))

    assert "Scoring failed" in page.content.decode()
    assert "does not match its recorded checksum" in page.content.decode()


def test_staff_see_a_scoring_error_and_run_attempts_in_the_api(staff_api, registered_version):
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(scoring_error="the artifact was missing",
                                                      scoring_error_at=timezone.now())

    run, _ = killed_run({}, attempts=2)

    answer = staff_api.get(reverse("model-version-detail", kwargs={"pk": version.pk})).json()
    run_answer = staff_api.get(reverse("training-run-detail", kwargs={"pk": run.pk})).json()

    assert answer["scoring_error"] == "the artifact was missing" and answer["scoring_error_at"]
    assert run_answer["attempts"] == 2


def test_a_successful_scoring_clears_an_earlier_error(catalogue, registered_version):
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True, scoring_error="the artifact was missing")

    score_products.run(version.pk, [p.pk for p in catalogue.products])

    version.refresh_from_db()
    assert version.scoring_error == "" and version.scoring_error_at is None
