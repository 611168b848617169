"""A real Celery worker process SIGKILLed in the middle of training.

The worker is `celery worker` in a process group of its own, on the configured broker and the
test database. After the kill:
- with Redis (CI), the broker redelivers the unacknowledged task (acks_late,
  reject_on_worker_lost) to a second worker, which takes the run over (claim_run) and trains
  it from a clean folder;
- with the embedded filesystem broker, which deletes a message when it is received, the task
  is gone: the run is failed by beat's fail_dead_runs once its heartbeat is overdue.
Either way the active version is unchanged and nothing half-written can be activated.
The workers beat every second and a run counts as lost after 3 s (instead of 15 and 60) so
that the test takes seconds, not minutes.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ml import runs
from ml.artifacts import verify_artifact
from ml.models import ModelVersion, RunStatus, TrainingRun
from ml.snapshots import PARTIAL_PREFIX, snapshot_root

from .conftest import wait_for
from .test_runs import database_url_of_test_database

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_INTERVAL, RECLAIM_AFTER = 1.0, 3.0

WORKER = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
import ml.runs, ml.tasks
ml.runs.HEARTBEAT_INTERVAL = ml.tasks.HEARTBEAT_INTERVAL = float(os.environ["TEST_HEARTBEAT_INTERVAL"])
ml.runs.RECLAIM_AFTER = ml.tasks.RECLAIM_AFTER = float(os.environ["TEST_RECLAIM_AFTER"])
from config.celery import app
app.conf.broker_transport_options = json.loads(os.environ["TEST_BROKER_OPTIONS"])
app.worker_main(["worker", "--pool", "solo", "--queues", "training", "--hostname", sys.argv[1],
                 "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "WARNING"])
"""


def redelivers(app) -> bool:
    return not app.conf.broker_url.startswith("filesystem://")


class Workers:
    """Starts worker processes, each in a process group of its own; kills what is left."""

    def __init__(self, app, model_dir):
        self.app, self.model_dir, self.started = app, model_dir, []

    def start(self, name, **broker_options):
        options = {**(self.app.conf.broker_transport_options or {}), **broker_options}
        env = {
            **os.environ, "DATABASE_URL": database_url_of_test_database(), "ZOKUSEI_MODEL_DIR": str(self.model_dir),
            "TEST_BROKER_OPTIONS": json.dumps(options), "TEST_HEARTBEAT_INTERVAL": str(HEARTBEAT_INTERVAL),
            "TEST_RECLAIM_AFTER": str(RECLAIM_AFTER), "CELERY_BROKER_URL": self.app.conf.broker_url,
        }
        process = subprocess.Popen([sys.executable, "-c", WORKER, f"{name}@test"], cwd=ROOT, env=env,
                                   start_new_session=True)
        self.started.append(process)
        return process

    def kill(self, process):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                self.kill(process)


@pytest.fixture
def workers(isolated_broker, model_dir):
    from config.celery import app

    with app.connection_for_write() as broker:
        broker.default_channel.queue_declare(queue="training", durable=True, auto_delete=False)
        broker.default_channel.queue_purge("training")
    started = Workers(app, model_dir)
    yield started
    started.stop_all()


def test_a_worker_killed_mid_training_leaves_the_active_version_and_nothing_half_written_activatable(
        catalogue, model_dir, training_parameters, registered_version, workers):
    # given an active version, and a run sent to the training queue (long enough to be killed in)
    active = registered_version("active")
    ModelVersion.objects.filter(pk=active.pk).update(is_active=True)
    run = runs.start_training_run(None, {**training_parameters, "epochs": 30})
    first = workers.start("first")

    # when the worker is training the run, it is killed (its whole process group)
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).step > 0, timeout=120, what="the first worker to train")
    workers.kill(first)
    killed_at = time.monotonic()

    # then the run is left running, with no version registered from it
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.worker == "first@test" and run.attempts == 1
    assert not ModelVersion.objects.filter(run=run).exists()

    if redelivers(workers.app):
        # and the broker hands the task to a second worker, which takes the run over and trains it
        workers.start("second", visibility_timeout=5, unacked_restore_interval=1, unacked_restore_throttle=1)
        run = wait_for(lambda: (r := TrainingRun.objects.get(pk=run.pk)).is_finished and r, timeout=150,
                       what="the second worker to finish the run")
        assert run.status == RunStatus.SUCCEEDED, run.error
        assert run.attempts == 2 and run.worker == "second@test"
        version = ModelVersion.objects.get(run=run)
        verify_artifact(version.artifact_uri, version.checksum)  # whole, as registered
        assert sorted(p.name for p in Path(model_dir).iterdir()) == sorted(["active", f"run-{run.pk}"])
    else:
        # and, the message being gone with the worker, beat fails the run once its heartbeat is overdue
        wait_for(lambda: time.monotonic() - killed_at > RECLAIM_AFTER, what="the heartbeat to be overdue")
        assert runs.fail_dead_runs(timeout_seconds=int(RECLAIM_AFTER)) == [run.pk]
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and "heartbeat" in run.error
        assert not ModelVersion.objects.filter(run=run).exists()
        assert sorted(p.name for p in Path(model_dir).iterdir()) == ["active"]  # the half-written folder went

    # either way the active version is the one staff chose, and no half-written snapshot is left
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]
    assert not [p for p in snapshot_root().iterdir() if p.name.startswith(PARTIAL_PREFIX)]
