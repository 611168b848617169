"""Training runs: starting, following, cancelling, and taking over runs whose worker died."""
import os
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.roles import is_staff_member
from catalog.models import Decision
from ml.xmc.config import TrainConfig

from .artifacts import run_artifact_dir
from .models import ModelVersion, RunStatus, TrainingRun, TrainingSnapshot
from .outbox import kept_args, send_on_commit

# Progress is written at most this often (seconds), so a fast training loop does not turn
# into a stream of UPDATEs; the heartbeat is written by its own thread (ml/training.py).
PROGRESS_WRITE_INTERVAL = 2.0
# Loss curves keep at most this many points; older points are thinned, not dropped.
MAX_LOSS_POINTS = 500
# A heartbeat this often keeps a long step (tokenising, evaluating) from looking dead.
HEARTBEAT_INTERVAL = 15.0
# A running run whose heartbeat is older than this has lost its worker (killed, out of memory):
# its task, redelivered by the broker (acks_late + reject_on_worker_lost), takes it over at
# once instead of waiting for ZOKUSEI_HEARTBEAT_TIMEOUT. Several beats long, so a worker that is
# only slow to write one beat keeps its run.
RECLAIM_AFTER = 4 * HEARTBEAT_INTERVAL
# A run that has lost its worker this many times (each attempt killed it?) is failed instead of
# being started over without end.
MAX_ATTEMPTS = 3
# Encoders named on the hub: "name" or "org/name" (no path separators beyond that one slash).
HUB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?")
# A device named by a person: "auto", "cpu", "cuda" or "cuda:N".
DEVICE = re.compile(r"auto|cpu|cuda(:(?P<index>[0-9]{1,3}))?")


def parameter_problems(parameters, *, from_user: bool = True) -> dict[str, str]:
    """What is wrong with a run's parameters, by option name ("parameters" for the whole).

    Parameters from a person (the API, the staff form) must also stay within
    TrainConfig's USER_BOUNDS, name a device the training workers have and an encoder on the
    hub or in a folder under ZOKUSEI_ENCODER_DIRS. The operator's command line and the system
    (from_user=False) are trusted with any value TrainConfig accepts.
    """
    if not isinstance(parameters, dict):
        return {"parameters": f"parameters must be a JSON object of training options, not {type(parameters).__name__}"}
    problems = {}
    if from_user:
        problems.update(TrainConfig.user_problems(parameters))
        if "device" in parameters:
            problems.update(_device_problem(parameters["device"]))
        if "encoder" in parameters:
            problems.update(_encoder_problem(parameters["encoder"]))
            if "encoder" not in problems:
                problem = encoder_load_problem(parameters["encoder"])
                if problem:
                    problems["encoder"] = problem
    if not problems:
        try:
            TrainConfig.from_dict(dict(parameters))
        except (TypeError, ValueError) as error:
            problems["parameters"] = f"invalid training parameters: {error}"
    return problems


def validate_parameters(parameters, *, from_user: bool = True) -> dict:
    """The full TrainConfig of the parameters; ValidationError({"parameters": [...]}) when bad,
    each message starting with the option's name."""
    problems = parameter_problems(parameters, from_user=from_user)
    if problems:
        raise ValidationError({"parameters": list(problems.values())})
    return TrainConfig.from_dict(dict(parameters)).to_dict()


def _device_problem(device) -> dict[str, str]:
    match = DEVICE.fullmatch(device) if isinstance(device, str) else None
    gpus = settings.ZOKUSEI_TRAINING_GPUS
    if match is None:
        return {"device": f"device must be auto, cpu, cuda or cuda:N, not {device!r:.40}"}
    if match["index"] is not None and int(match["index"]) >= gpus:
        return {"device": f"device {device} does not exist: the training workers have {gpus} GPU(s) "
                          f"(cuda:0 to cuda:{gpus - 1}; ZOKUSEI_TRAINING_GPUS)" if gpus else
                          f"device {device} does not exist: the training workers have no GPU (ZOKUSEI_TRAINING_GPUS)"}
    return {}


def _encoder_problem(encoder) -> dict[str, str]:
    if not isinstance(encoder, str) or not encoder:
        return {"encoder": "encoder must be a model name on the Hugging Face hub or a folder"}
    if HUB_NAME.fullmatch(encoder) and ".." not in encoder:
        return {}
    roots = [Path(root).resolve() for root in settings.ZOKUSEI_ENCODER_DIRS]
    try:
        # resolve(): a symbolic link or ".." out of an allowed folder does not count as inside
        folder = Path(encoder).resolve()
    except (OSError, ValueError):
        folder = None
    if folder is None or not Path(encoder).is_absolute() or not any(folder.is_relative_to(root) for root in roots):
        allowed = ", ".join(str(root) for root in roots) or "none (ZOKUSEI_ENCODER_DIRS is empty)"
        return {"encoder": f"encoder {encoder[:200]!r} is neither a hub name (org/name) nor an absolute folder "
                           f"under the encoder folders ({allowed}; ZOKUSEI_ENCODER_DIRS)"}
    if not folder.is_dir():
        return {"encoder": f"encoder folder {encoder[:200]} does not exist"}
    return {}


# Files that make a folder a Hugging Face encoder with its tokenizer (any one of each group).
ENCODER_FILES = ("config.json",)
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model", "tokenizer_config.json")


def downloads_allowed() -> bool:
    """Whether the training workers may fetch an encoder from the hub (the libraries' own
    switches; the demo turns them off, as do machines with no network)."""
    return not any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
                   for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def encoder_load_problem(encoder: str) -> str | None:
    """Why the encoder could not be loaded for training, in words for the person who chose it;
    None when it can. Checked before a run is queued, so that the run page never shows the
    loader's OSError an hour later. A hub name not on this machine counts as loadable only
    where downloads are allowed (the worker fetches it)."""
    folder = Path(encoder)
    if folder.is_absolute():
        if not folder.is_dir():
            return f"The encoder folder {encoder[:200]} does not exist on this machine."
        if not any((folder / name).is_file() for name in ENCODER_FILES):
            return (f"The folder {encoder[:200]} is not an encoder: it has no config.json "
                    "(a Hugging Face model folder, as save_pretrained writes it, is needed).")
        if not any((folder / name).is_file() for name in TOKENIZER_FILES):
            return f"The encoder folder {encoder[:200]} has no tokenizer (tokenizer.json or vocab.txt)."
        return None
    from huggingface_hub import try_to_load_from_cache

    # The cache folder as the environment names it now (the library reads it once, at import).
    cached = try_to_load_from_cache(encoder, "config.json", cache_dir=os.environ.get("HF_HUB_CACHE") or None)
    if isinstance(cached, str) or downloads_allowed():
        return None
    return (f"The encoder {encoder[:200]} is not on this machine and downloads are switched off "
            "(HF_HUB_OFFLINE): choose the active version's encoder or a folder under ZOKUSEI_ENCODER_DIRS.")


def active_training_parameters() -> tuple[ModelVersion | None, dict]:
    """The active version and the training options its run was started with: what a new run
    starts from, so that retraining with nothing changed trains as that version was trained."""
    version = ModelVersion.objects.filter(is_active=True).select_related("run").first()
    if version is None or version.run is None:
        return version, {}
    return version, dict(version.run.parameters or {})


def start_training_run(user, parameters: dict | None = None, *, enqueue: bool = True) -> TrainingRun:
    """Record a queued run and send it to the `training` queue once the row is committed.

    `user=None` is the system (the command line, automatic retraining). With enqueue=False the
    caller runs `ml.tasks.train_model` itself (`manage.py train_model --in-process`).
    """
    if user is not None and not is_staff_member(user):
        raise PermissionDenied("only staff may start a training run")
    validate_parameters(parameters or {}, from_user=user is not None)
    parameters = dict(parameters or {})
    # The default encoder is the operator's choice (a setting): not subject to the user rules.
    parameters.setdefault("encoder", settings.ZOKUSEI_DEFAULT_ENCODER)
    validate_parameters(parameters, from_user=False)
    if user is not None:
        problem = encoder_load_problem(parameters["encoder"])
        if problem:
            raise ValidationError({"parameters": [problem]})
    with transaction.atomic():
        run = TrainingRun.objects.create(requested_by=user, parameters=parameters,
                                         enqueued_at=timezone.now() if enqueue else None)
        if enqueue:
            _send_on_commit(run.pk)
    return run


def runs_waiting_for_broker() -> set[int]:
    """Queued runs whose message the broker refused (it was down): kept, sent when it is back."""
    return {args[0] for args in kept_args("ml.tasks.train_model") if args}


def _send_on_commit(run_id: int) -> None:
    send_on_commit("ml.tasks.train_model", run_id)


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


def claim_run(run_id: int, worker: str) -> int | None:
    """Make the caller the run's worker; returns its attempt number, None when the run is not
    the caller's to train (another worker has it, it ended, it was cancelled while queued).

    A queued run is taken; so is a running one whose heartbeat stopped RECLAIM_AFTER seconds
    ago (its worker died and the broker redelivered the task): that one starts over from a
    clean folder. Each is one conditional UPDATE, so two workers never both get the run; the
    attempt number then tells every later write whose the run is.
    """
    now = timezone.now()
    taken = dict(status=RunStatus.RUNNING, heartbeat_at=now, worker=worker, stage="snapshot", attempts=F("attempts") + 1)
    if TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, cancel_requested=False).update(started_at=now, **taken):
        return _attempt_of(run_id)
    lost = TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=now - timedelta(seconds=RECLAIM_AFTER))
    if lost.filter(cancel_requested=True).update(
            status=RunStatus.CANCELLED, finished_at=now, stage="cancelled", error="cancelled by staff (its worker was lost)"):
        discard_unregistered_artifact(run_id)
        return None
    if lost.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=RunStatus.FAILED, finished_at=now, stage="failed",
            error=f"the run lost its worker {MAX_ATTEMPTS} times (killed, out of memory?); "
                  "the active model version is unchanged"):
        discard_unregistered_artifact(run_id)
        return None
    # Progress starts over with the run; the snapshot is kept and reused (ml/training.py).
    if lost.update(**taken, epoch=0, step=0, total_steps=0, percent=0.0, loss_history=[], throughput=0.0, error=""):
        return _attempt_of(run_id)
    return None


def _attempt_of(run_id: int) -> int:
    return TrainingRun.objects.filter(pk=run_id).values_list("attempts", flat=True).get()


def may_have_lost_its_worker(run_id: int) -> bool:
    """Running with a recent heartbeat: either trained right now, or its worker just died (the
    heartbeat is not stale yet). A redelivered task looks again after RECLAIM_AFTER."""
    return TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists()


def _owned(run_id: int, attempt: int | None, *, running: bool = True):
    """The run's row while `attempt` still owns it (any attempt when None): what a worker may
    write. A worker whose run was taken over finds nothing and writes nothing."""
    rows = TrainingRun.objects.filter(pk=run_id)
    if running:
        rows = rows.filter(status=RunStatus.RUNNING)
    return rows if attempt is None else rows.filter(attempts=attempt)


def owns(run_id: int, attempt: int | None) -> bool:
    return _owned(run_id, attempt).exists()


def beat(run_id: int, attempt: int | None = None) -> None:
    _owned(run_id, attempt).update(heartbeat_at=timezone.now())


def finish_run(run_id: int, status: str, *, error: str = "", attempt: int | None = None, **fields) -> bool:
    """End a running run; with `attempt`, only if that attempt still owns it. False when not."""
    return _owned(run_id, attempt).update(status=status, error=error, finished_at=timezone.now(), **fields) == 1


def discard_unregistered_artifact(run_id: int) -> None:
    """Remove what a run wrote to its artifact folder, unless a model version was registered
    from it (registration and the run's success commit together, ml/training.py)."""
    if not ModelVersion.objects.filter(run_id=run_id).exists():
        shutil.rmtree(run_artifact_dir(run_id), ignore_errors=True)


def fail_dead_runs(timeout_seconds: int | None = None) -> list[int]:
    """Runs whose worker stopped sending heartbeats (killed, lost) are marked failed, and
    their half-written artifact folders removed."""
    timeout = settings.ZOKUSEI_HEARTBEAT_TIMEOUT if timeout_seconds is None else timeout_seconds
    limit = timezone.now() - timedelta(seconds=timeout)
    dead = list(TrainingRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=limit).values_list("pk", flat=True))
    failed = []
    for run_id in dead:
        if TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=limit).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"the worker stopped sending heartbeats for more than {timeout} s (killed or lost); "
            "the active model version is unchanged",
        ):
            discard_unregistered_artifact(run_id)
            failed.append(run_id)
    return failed


class ProgressRecorder:
    """Turns ml.xmc progress events into (throttled) updates of the run's row.

    Also answers the trainer's `should_stop` question from the run's `cancel_requested` flag.
    """

    def __init__(self, run_id: int, attempt: int | None = None):
        self.run_id, self.attempt = run_id, attempt
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
        mine = _owned(self.run_id, self.attempt, running=False)
        mine.update(**fields)
        # Stop when staff cancel, and when another worker took the run over (this one was
        # silent for RECLAIM_AFTER seconds): only one attempt may write the run's folder.
        self.cancel_requested = not mine.filter(cancel_requested=False).exists()

    def set_stage(self, stage: str) -> None:
        _owned(self.run_id, self.attempt, running=False).update(stage=stage)

    def should_stop(self) -> bool:
        return self.cancel_requested


def start_run_after_enough_decisions() -> TrainingRun | None:
    """Start a run once ZOKUSEI_AUTO_TRAIN_AFTER_DECISIONS decisions have accumulated since the
    newest snapshot (beat's train_if_enough_decisions); None when not (yet), or one is under way."""
    threshold = settings.ZOKUSEI_AUTO_TRAIN_AFTER_DECISIONS
    if not threshold:
        return None
    if TrainingRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        return None
    last = TrainingSnapshot.objects.order_by("-last_decision_id").values_list("last_decision_id", flat=True).first() or 0
    if Decision.objects.standing().filter(pk__gt=last).count() < threshold:
        return None
    return start_training_run(None, {})
