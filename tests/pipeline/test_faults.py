"""Faults injected into the pipeline: a full disk while an artifact is written, a database
connection dropped in the middle of scoring, artifacts corrupted on disk.

(A worker killed mid-training: test_worker_kill.py; a redelivered task: test_reclaim.py.)
"""
import errno
import json
import shutil
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from catalog.models import Suggestion
from ml import runs, versions
from ml.artifacts import ArtifactError
from ml.inference import _models, load_model
from ml.models import ModelVersion, RunStatus
from ml.tasks import DATABASE_RETRY_DELAY, score_products, train_model

# -- disk full -----------------------------------------------------------------------------

def full_disk(monkeypatch):
    """The weights file gets half written, then the disk is full."""
    import safetensors.torch

    def save_model(model, filename, *args, **kwargs):
        Path(filename).write_bytes(b"\0" * 1024)
        raise OSError(errno.ENOSPC, "No space left on device", filename)

    monkeypatch.setattr(safetensors.torch, "save_model", save_model)


@pytest.mark.django_db
def test_a_full_disk_while_the_artifact_is_written_fails_the_run_and_leaves_no_version_or_folder(
        catalogue, model_dir, training_parameters, registered_version, eager_celery, monkeypatch):
    active = registered_version("active")
    versions.activate_version(active.pk)
    run = runs.start_training_run(None, training_parameters, enqueue=False)
    full_disk(monkeypatch)

    train_model.run(run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.stage == "failed"
    assert "No space left on device" in run.error
    assert not ModelVersion.objects.filter(run=run).exists()
    assert not runs.run_artifact_dir(run.pk).exists()
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]


@pytest.mark.django_db
def test_a_full_disk_while_the_snapshot_is_written_fails_the_run_and_leaves_no_snapshot(
        catalogue, model_dir, training_parameters, monkeypatch):
    from ml.models import TrainingSnapshot
    from ml.snapshots import snapshot_root

    def write(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("ml.snapshots._write_products", write)
    run = runs.start_training_run(None, training_parameters, enqueue=False)

    train_model.run(run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "No space left on device" in run.error
    assert not TrainingSnapshot.objects.exists()
    assert not snapshot_root().exists() or list(snapshot_root().iterdir()) == []
    assert not runs.run_artifact_dir(run.pk).exists()


# -- database connection dropped while scoring ---------------------------------------------

def drop_connection_once_after_writing(monkeypatch, drop):
    """The chunk's suggestions are written, then its connection is lost before the commit."""
    import ml.suggestions

    real = ml.suggestions._upsert_pending
    dropped = []

    def upsert_then_drop(version, rows):
        real(version, rows)
        if rows and not dropped:
            dropped.append(len(rows))
            drop()

    monkeypatch.setattr(ml.suggestions, "_upsert_pending", upsert_then_drop)
    return dropped


def retried_delays(monkeypatch):
    delays = []

    def retry(exc=None, countdown=None, **options):
        delays.append(countdown)
        return Retry(exc=exc)

    monkeypatch.setattr(score_products, "retry", retry)
    return delays


def suggestion_pairs():
    return sorted(Suggestion.objects.values_list("product_id", "value_id"))


def terminate_own_backend():
    """What a database restart or failover does to a session: PostgreSQL ends it."""
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings = connection.settings_dict
    with psycopg.connect(dbname=settings["NAME"], user=settings["USER"] or "postgres", host=settings["HOST"],
                         port=settings["PORT"] or 5432, password=settings["PASSWORD"] or None, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def raise_operational_error():
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("drop", ["raised", "terminated"])
def test_a_chunk_whose_database_connection_drops_is_retried_and_writes_each_suggestion_once(
        catalogue, registered_version, monkeypatch, drop):
    if drop == "terminated" and connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL")
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    ids = [p.pk for p in catalogue.products]
    delays = retried_delays(monkeypatch)
    dropped = drop_connection_once_after_writing(
        monkeypatch, terminate_own_backend if drop == "terminated" else raise_operational_error)

    # when the connection drops after the chunk's suggestions were written, before the commit
    first = score_products.apply(args=(version.pk, ids))

    # then nothing of the chunk was kept, and the task asks to be tried again soon
    assert dropped and dropped[0] > 0
    assert first.state == "RETRY" and delays == [DATABASE_RETRY_DELAY]
    assert Suggestion.objects.count() == 0

    # and the retry (a new connection) writes each suggestion once, as one clean run would
    second = score_products.apply(args=(version.pk, ids), retries=1)
    assert second.state == "SUCCESS", second.traceback
    after_retry = suggestion_pairs()
    assert after_retry and len(after_retry) == len(set(after_retry)) == dropped[0]

    # and a duplicate delivery of the same chunk changes nothing
    assert score_products.apply(args=(version.pk, ids), retries=2).state == "SUCCESS"
    assert suggestion_pairs() == after_retry


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_keeps_losing_its_database_gives_up_after_the_last_try(catalogue, registered_version, monkeypatch):
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    delays = retried_delays(monkeypatch)
    monkeypatch.setattr("ml.scoring.apply_predictions", lambda *args: raise_operational_error())
    ids = [catalogue.products[0].pk]

    assert score_products.apply(args=(version.pk, ids), retries=3).state == "RETRY"
    last = score_products.apply(args=(version.pk, ids), retries=score_products.max_retries)

    assert delays == [DATABASE_RETRY_DELAY * 2 ** 3]  # exponential backoff
    assert last.state == "FAILURE"
    assert not Suggestion.objects.exists()


# -- corrupted artifacts -------------------------------------------------------------------

def truncate_weights(folder):
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def flip_a_byte(folder):
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))


def remove_a_file(folder):
    (folder / "label_space.json").unlink()


def edit_the_config(folder):
    config = folder / "xmc_config.json"
    meta = json.loads(config.read_text(encoding="utf-8"))
    meta["thresholds"] = {**meta["thresholds"], "edited": True}
    config.write_text(json.dumps(meta), encoding="utf-8")


def remove_the_folder(folder):
    shutil.rmtree(folder)


CORRUPTIONS = {
    "truncated weights": (truncate_weights, "does not match its recorded checksum"),
    "a flipped byte": (flip_a_byte, "does not match its recorded checksum"),
    "a missing file": (remove_a_file, "does not match its recorded checksum"),
    "an edited config": (edit_the_config, "does not match its recorded checksum"),
    "a missing folder": (remove_the_folder, "does not exist"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupted_artifact_is_refused_at_activation_and_the_active_version_stays(
        registered_version, eager_celery, catalogue, corruption):
    damage, message = CORRUPTIONS[corruption]
    active, candidate = registered_version("active"), registered_version("candidate")
    versions.activate_version(active.pk)
    damage(Path(candidate.artifact_uri))

    with pytest.raises(ValidationError, match=f"model version {candidate.pk} cannot be activated: .*{message}"):
        versions.activate_version(candidate.pk)

    assert list(ModelVersion.objects.filter(is_active=True)) == [active]


@pytest.mark.django_db
@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupted_artifact_is_refused_at_load_and_no_model_is_cached(registered_version, catalogue, corruption):
    damage, message = CORRUPTIONS[corruption]
    version = registered_version("v")
    _models.clear()  # a fresh worker process
    damage(Path(version.artifact_uri))

    with pytest.raises(ArtifactError, match=message):
        load_model(version)

    assert not _models
    # and scoring with it records why, on the version, for staff
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    with pytest.raises(ArtifactError):
        score_products.run(version.pk, [catalogue.products[0].pk])
    version.refresh_from_db()
    assert message in version.scoring_error
    assert not Suggestion.objects.exists()
