"""Training runs: starting, following, cancelling, and failing runs whose worker died."""
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import is_staff_member
from ml.xmc.config import TrainConfig

from .models import RunStatus, TrainingRun

# Progress is written at most this often (seconds), so a fast training loop does not turn
# into a stream of UPDATEs; the heartbeat is written by its own thread (ml/tasks.py).
PROGRESS_WRITE_INTERVAL = 2.0
# Loss curves keep at most this many points; older points are thinned, not dropped.
MAX_LOSS_POINTS = 500


def validate_parameters(parameters: dict) -> dict:
    """Training options as accepted by ml.xmc (TrainConfig); unknown or bad ones are refused."""
    try:
        return TrainConfig.from_dict(dict(parameters or {})).to_dict()
    except (TypeError, ValueError) as error:
        raise ValidationError(f"invalid training parameters: {error}") from None


def start_training_run(user, parameters: dict | None = None, *, enqueue: bool = True) -> TrainingRun:
    """Record a queued run and send it to the `training` queue once the row is committed.

    `user=None` is the system (the command line, automatic retraining). With enqueue=False the
    caller runs `ml.tasks.train_model` itself (`manage.py train_model --in-process`).
    """
    if user is not None and not is_staff_member(user):
        raise PermissionDenied("only staff may start a training run")
    parameters = dict(parameters or {})
    parameters.setdefault("encoder", settings.ZOKUSEI_DEFAULT_ENCODER)
    validate_parameters(parameters)
    with transaction.atomic():
        run = TrainingRun.objects.create(requested_by=user, parameters=parameters,
                                         enqueued_at=timezone.now() if enqueue else None)
        if enqueue:
            _send_on_commit(run.pk)
    return run


def _send_on_commit(run_id: int) -> None:
    from .tasks import train_model

    transaction.on_commit(lambda: train_model.delay(run_id))


def resend_stalled_runs(after_seconds: int | None = None) -> list[int]:
    """Send queued runs to the training queue again when their message seems lost.

    A run counts as stalled when it has waited more than `after_seconds` since it was last sent
    (runs started with enqueue=False are their caller's) and no run is training: with a worker
    free, a delivered message would have been claimed. A second copy of a message that was not
    lost is harmless (`claim_run` lets one through).
    """
    after = settings.ZOKUSEI_RESEND_QUEUED_AFTER if after_seconds is None else after_seconds
    limit = timezone.now() - timedelta(seconds=after)
    if TrainingRun.objects.filter(status=RunStatus.RUNNING).exists():
        return []
    sent = []
    with transaction.atomic():
        stalled = (TrainingRun.objects.select_for_update()
                   .filter(status=RunStatus.QUEUED)
                   .filter(enqueued_at__lt=limit)
                   .order_by("pk"))
        for run in stalled:
            run.enqueued_at = timezone.now()
            run.save(update_fields=["enqueued_at"])
            _send_on_commit(run.pk)
            sent.append(run.pk)
    return sent


def request_cancel(run_id: int, user=None) -> TrainingRun:
    if user is not None and not is_staff_member(user):
        raise PermissionDenied("only staff may cancel a training run")
    with transaction.atomic():
        # Locked so that a worker claiming the run and a cancellation cannot interleave.
        run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise ValidationError(f"training run {run_id} does not exist")
        if run.is_finished:
            raise ValidationError(f"training run {run_id} has already {run.status}")
        if run.status == RunStatus.QUEUED:
            run.status = RunStatus.CANCELLED
            run.finished_at = timezone.now()
            run.error = "cancelled before it started"
        run.cancel_requested = True
        run.save(update_fields=["status", "finished_at", "error", "cancel_requested"])
    return run


def claim_run(run_id: int, worker: str) -> bool:
    """Move a queued run to running; False when another worker got there first or it ended."""
    now = timezone.now()
    claimed = TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, cancel_requested=False).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker, stage="snapshot"
    )
    return claimed == 1


def beat(run_id: int) -> None:
    TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now())


def finish_run(run_id: int, status: str, *, error: str = "", **fields) -> None:
    TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=status, error=error, finished_at=timezone.now(), **fields
    )


def fail_dead_runs(timeout_seconds: int | None = None) -> list[int]:
    """Runs whose worker stopped sending heartbeats (killed, lost) are marked failed."""
    timeout = settings.ZOKUSEI_HEARTBEAT_TIMEOUT if timeout_seconds is None else timeout_seconds
    limit = timezone.now() - timedelta(seconds=timeout)
    dead = list(TrainingRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=limit).values_list("pk", flat=True))
    for run_id in dead:
        TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=limit).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"the worker stopped sending heartbeats for more than {timeout} s (killed or lost); "
            "the active model version is unchanged",
        )
    return dead


class ProgressRecorder:
    """Turns ml.xmc progress events into (throttled) updates of the run's row.

    Also answers the trainer's `should_stop` question from the run's `cancel_requested` flag.
    """

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.last_write = 0.0
        self.loss_history: list[list[float]] = []
        self.cancel_requested = False

    def __call__(self, event) -> None:
        data = event if isinstance(event, dict) else vars(event)
        step, loss = data.get("step"), data.get("loss")
        if step is not None and loss is not None:
            self.loss_history.append([int(step), round(float(loss), 5)])
            if len(self.loss_history) > MAX_LOSS_POINTS:
                self.loss_history = self.loss_history[::2]
        now = time.monotonic()
        total_steps = int(data.get("total_steps") or 0)
        final = total_steps and step == total_steps
        if now - self.last_write < PROGRESS_WRITE_INTERVAL and not final:
            return
        self.last_write = now
        fields = {"stage": str(data.get("stage") or "train")[:40], "loss_history": self.loss_history}
        for name in ("epoch", "total_epochs", "step", "total_steps"):
            if data.get(name) is not None:
                fields[name] = int(data[name])
        if data.get("throughput") is not None:
            fields["throughput"] = float(data["throughput"])
        if total_steps:
            fields["percent"] = round(100.0 * int(step or 0) / total_steps, 2)
        TrainingRun.objects.filter(pk=self.run_id).update(**fields)
        self.cancel_requested = TrainingRun.objects.filter(pk=self.run_id, cancel_requested=True).exists()

    def set_stage(self, stage: str) -> None:
        TrainingRun.objects.filter(pk=self.run_id).update(stage=stage)

    def should_stop(self) -> bool:
        return self.cancel_requested
