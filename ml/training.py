"""Training a run: what a worker on the `training` queue does with a run it has claimed.

`train_run` claims the run (ml/runs.py), keeps its heartbeat while it trains, freezes a
snapshot, trains through ml.xmc, evaluates the new model on the held-out part against the
active version, and registers the version together with the run's success. The Celery task
(ml/tasks.py) only decides whether a message that could not claim its run is tried again;
`start_training_thread` does the same work in a thread, for machines without a worker.
"""
import logging
import shutil
import threading
import traceback
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction

from . import runs
from .artifacts import artifact_checksum, run_artifact_dir
from .inference import load_model
from .models import ModelVersion, RunStatus, TrainingRun, TrainingSnapshot
from .snapshots import changed_since, create_snapshot, read_snapshot_products, read_snapshot_taxonomy, replay_sample

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Writes the run's heartbeat while the task's process is alive; dies with it."""

    def __init__(self, run_id: int, attempt: int | None = None, interval: float | None = None):
        super().__init__(daemon=True, name=f"heartbeat-run-{run_id}")
        # Read when the thread is made, not when the module is: a test's worker may shorten it.
        self.interval = runs.HEARTBEAT_INTERVAL if interval is None else interval
        self.run_id, self.attempt, self.stopped = run_id, attempt, threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(self.interval):
                runs.beat(self.run_id, self.attempt)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)


def train_run(run_id: int, worker: str) -> bool:
    """Claim the run for `worker` and train it to its end; False when it could not be claimed
    (another worker trains it, it ended, it was cancelled, or its worker may still be alive)."""
    attempt = runs.claim_run(run_id, worker)
    if attempt is None:
        return False
    heartbeat = Heartbeat(run_id, attempt)
    heartbeat.start()
    try:
        _train(run_id, attempt)
    finally:
        heartbeat.stop()
    return True


def start_training_thread(run_id: int, *, daemon: bool = True) -> threading.Thread:
    """Train a run in a thread of this process instead of on a worker (`train_model
    --in-process`, `manage.py demo`). The thread closes its database connection when done."""

    def work():
        try:
            train_run(run_id, "local")
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
    recorder = runs.ProgressRecorder(run_id, attempt)
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
        products, start_from, warm = train_products, None, None
        if config.warm_start:
            products, start_from, warm = warm_start_data(train_products, config)
        train(taxonomy, products, config, out_dir, progress=recorder, should_stop=recorder.should_stop,
              start_from=start_from)
        recorder.set_stage("evaluate")
        model = XmcModel.load(out_dir, device=settings.ZOKUSEI_DEVICE, bf16=settings.ZOKUSEI_INFERENCE_BF16)
        metrics, comparison = evaluate_against_active(model, snapshot, taxonomy, train_products)
        if warm is not None:
            metrics = {**metrics, "warm_start": warm}
        # The version and the run's success commit together: a worker killed in between leaves
        # neither, and a run taken over by another worker (attempt no longer ours) registers none.
        with transaction.atomic():
            version = register_version(
                run=TrainingRun.objects.get(pk=run_id), artifact_dir=out_dir, encoder=config.encoder,
                label_count=len(model.label_space), taxonomy_revision=snapshot.taxonomy_revision, metrics=metrics,
            )
            if not runs.finish_run(run_id, RunStatus.SUCCEEDED, attempt=attempt, metrics=metrics, comparison=comparison,
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


def warm_start_data(train_products: list[dict], config) -> tuple[list[dict], str | None, dict]:
    """(products, model folder, summary) of a warm start: the active version's weights, and the
    training products that changed since its snapshot plus a replay sample of the rest. Without
    an active version whose artifact and snapshot are still there, the run trains as a full one
    (all products, the pretrained encoder); the summary (kept in the run's metrics) says which."""
    from .artifacts import verify_artifact

    active = ModelVersion.objects.filter(is_active=True).select_related("run__snapshot").first()
    reason = None
    if active is None:
        reason = "no active version"
    elif active.run is None or active.run.snapshot is None:
        reason = "the active version has no training snapshot"
    else:
        changed = changed_since(active.run.snapshot, train_products)
        if changed is None:
            reason = "the active version's snapshot was pruned"
        else:
            try:
                folder = verify_artifact(active.artifact_uri, active.checksum)
            except Exception as error:  # noqa: BLE001 - any unusable artifact: train in full instead
                reason = f"the active version's artifact cannot be used ({error})"
            else:
                if not changed:
                    raise ValueError("nothing changed since the active version's training data: "
                                     "there is nothing to warm-start on")
                replay = replay_sample(train_products, changed, config.replay_fraction, config.seed)
                return changed + replay, str(folder), {"from_version": active.pk, "changed": len(changed),
                                                       "replayed": len(replay), "of": len(train_products)}
    log.info("warm start not possible (%s): training on all %d products", reason, len(train_products))
    return train_products, None, {"from_version": None, "not_possible": reason, "of": len(train_products)}


def _intact(snapshot: TrainingSnapshot | None) -> TrainingSnapshot | None:
    """The snapshot of an earlier attempt of the run, when its files are still as written:
    the run starts over on the same data instead of leaving that folder behind."""
    if snapshot is None or snapshot.pruned_at is not None or not Path(snapshot.path).is_dir():
        return None
    return snapshot if artifact_checksum(snapshot.path) == snapshot.checksum else None


def _end(run_id: int, attempt: int | None, status: str, **fields) -> None:
    """End the run without a version; its folder goes only while the run is still this
    attempt's (a worker that lost the run must not delete its successor's files)."""
    if runs.owns(run_id, attempt):
        shutil.rmtree(run_artifact_dir(run_id), ignore_errors=True)
    runs.finish_run(run_id, status, attempt=attempt, **fields)


def evaluate_against_active(new_model, snapshot: TrainingSnapshot, taxonomy: dict, train_products: list[dict]):
    """Figures of the new model and of the active version on the snapshot's held-out part."""
    from ml.xmc.metrics import score

    heldout = read_snapshot_products(snapshot, "heldout")
    if not heldout:
        return {}, {}
    inputs = [{k: p[k] for k in ("id", "category", "title", "description")} for p in heldout]
    new_predictions = list(new_model.predict(inputs))
    metrics = score(heldout, new_predictions, taxonomy, train_products)
    comparison = {}
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is not None:
        try:
            old_predictions = list(load_model(active).predict(inputs))
            comparison = {"model_version": active.pk, **score(heldout, old_predictions, taxonomy, train_products),
                          "changes": suggestion_changes(old_predictions, new_predictions)}
        except Exception as error:  # noqa: BLE001 - a broken old version must not fail the new run
            comparison = {"model_version": active.pk, "error": str(error)}
    return metrics, comparison


def suggestion_changes(old_predictions: list[dict], new_predictions: list[dict]) -> dict:
    """What activating the new model would change on the same products: the preview staff see
    before activating (versions page), measured on the held-out products rather than by
    scoring the whole catalogue twice."""
    def pairs(predictions):
        return {(row["id"], tuple(label)) for row in predictions for label in row.get("predicted", [])}

    old, new = pairs(old_predictions), pairs(new_predictions)
    return {"products": len({row["id"] for row in new_predictions}), "active": len(old), "new": len(new),
            "kept": len(old & new), "dropped": len(old - new), "added": len(new - old)}


def is_better(metrics: dict, comparison: dict) -> bool:
    if not metrics:
        return False
    if not comparison or "micro_f1" not in comparison:
        return True
    return metrics["micro_f1"] > comparison["micro_f1"]
