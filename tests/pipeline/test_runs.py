import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from ml import runs, versions
from ml.models import ModelVersion, RunStatus, TrainingRun
from ml.tasks import train_model
from ml.training import start_training_thread

from .conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]




@pytest.mark.django_db
def test_it_runs_a_training_task_only_once_when_delivered_twice(catalogue, model_dir, training_parameters):
    run = runs.start_training_run(None, training_parameters, enqueue=False)

    train_model.run(run.pk)
    train_model.run(run.pk)  # redelivered (acks_late): the run is no longer queued

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert ModelVersion.objects.filter(run=run).count() == 1
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_cancels_a_running_run_and_keeps_no_version(catalogue, model_dir, training_parameters):
    run = runs.start_training_run(None, {**training_parameters, "epochs": 500}, enqueue=False)
    worker = start_training_thread(run.pk, daemon=False)
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).step > 0, what="training to start")

    runs.request_cancel(run.pk)
    worker.join(timeout=120)

    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert not ModelVersion.objects.exists()
    assert not (Path(model_dir) / f"run-{run.pk}").exists()


@pytest.mark.django_db
def test_it_cancels_a_queued_run_at_once(catalogue, training_parameters):
    run = runs.start_training_run(None, training_parameters, enqueue=False)

    runs.request_cancel(run.pk)
    train_model.run(run.pk)  # the worker that picks it up later does nothing

    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.started_at is None


@pytest.mark.django_db
def test_it_sends_a_run_again_when_its_message_seems_lost(
        catalogue, training_parameters, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("ml.tasks.train_model.delay", lambda run_id: sent.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_training_run(None, training_parameters)
    caller_runs_it = runs.start_training_run(None, training_parameters, enqueue=False)
    assert sent == [run.pk]

    # not yet overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.resend_stalled_runs(after_seconds=60) == []
    # overdue while another run trains: it is waiting its turn, not lost
    busy = TrainingRun.objects.create(status=RunStatus.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.resend_stalled_runs(after_seconds=0) == []
    # overdue with nothing training: sent again, once per period; a run started with
    # enqueue=False belongs to its caller and is never sent
    busy.delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.resend_stalled_runs(after_seconds=0) == [run.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.resend_stalled_runs(after_seconds=60) == []
    assert sent == [run.pk, run.pk]
    assert TrainingRun.objects.get(pk=caller_runs_it.pk).enqueued_at is None


@pytest.mark.django_db
def test_it_refuses_unknown_training_parameters(catalogue):
    with pytest.raises(ValidationError, match="unknown option"):
        runs.start_training_run(None, {"epoch": 3})


@pytest.mark.django_db
def test_it_lets_only_staff_start_a_run(catalogue, django_user_model):
    seller_user = django_user_model.objects.create_user("ken", password="x", seller=catalogue.seller)
    with pytest.raises(PermissionDenied):
        runs.start_training_run(seller_user, {})


@pytest.mark.django_db(transaction=True)
def test_it_fails_a_run_whose_worker_was_killed_and_keeps_the_active_version(
    catalogue, model_dir, training_parameters, registered_version, eager_celery
):
    # given an active version and a long run executing in another process (a worker)
    active = registered_version("active")
    versions.activate_version(active.pk)
    run = runs.start_training_run(None, {**training_parameters, "epochs": 500}, enqueue=False)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", f"from ml.tasks import train_model; train_model.run({run.pk})"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_of_test_database(), "ZOKUSEI_MODEL_DIR": str(model_dir)},
        start_new_session=True,
    )
    try:
        wait_for(lambda: TrainingRun.objects.get(pk=run.pk).step > 0, what="the worker to be training")
    finally:
        # when the worker is killed in the middle of the run
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert TrainingRun.objects.get(pk=run.pk).status == RunStatus.RUNNING

    # then, once its heartbeat is overdue, the run is failed and nothing else changed
    assert runs.fail_dead_runs(timeout_seconds=0) == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "heartbeat" in run.error
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]
    assert ModelVersion.objects.count() == 1


def database_url_of_test_database() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_train_model_command_trains_in_process_and_activates(catalogue, model_dir, tiny_encoder, eager_celery, capsys):
    call_command(
        "train_model", "--in-process", "--activate", "--encoder", tiny_encoder, "--epochs", "2",
        "--batch-size", "8", "--max-length", "32", "--device", "cpu",
        "--set", "layers=2", "--set", "bf16=false", "--set", "threshold_strategy=\"fixed\"", "--set", "threshold=0.05",
    )

    out = capsys.readouterr().out
    version = ModelVersion.objects.get(is_active=True)
    assert f"model version {version.pk} is now active" in out
    assert version.run.status == RunStatus.SUCCEEDED
