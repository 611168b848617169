"""Sending the pipeline's Celery tasks, and keeping those the broker could not take.

A request that has committed its rows (a training run, an activation, products) must not
answer 500 because the broker is down: the rows are written, and a retry by the client would
duplicate them. So a task is sent after commit by `send_on_commit`; when the broker refuses
it, the message is written to UnsentTask instead and the beat task `ml.tasks.send_unsent`
sends it again as soon as the broker answers (every SEND_UNSENT_EVERY seconds, see
config/settings.py), without waiting for ZOKUSEI_RESEND_QUEUED_AFTER. Every task of the
pipeline is safe to run twice, so a message sent twice is harmless.

How long one send may wait for the broker is bounded by CELERY_TASK_PUBLISH_RETRY_POLICY.
"""
import importlib
import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from .models import UnsentTask

log = logging.getLogger(__name__)

# Celery wraps connection failures into kombu's OperationalError; a socket error that escapes
# the transport is an OSError. Anything else is a bug and must not be hidden in the table.
BROKER_ERRORS = (OperationalError, OSError)
# Rows sent per sweep: a long outage may leave many; the next sweep takes the rest.
SEND_BATCH = 500


def task_named(name: str):
    """The registered Celery task `name` ("ml.tasks.train_model"). Domain modules send tasks
    by name, so that they never import ml/tasks.py (which imports them)."""
    from config.celery import app

    if name not in app.tasks:
        # A web process registers a task when its module is first imported: the module is the
        # name's prefix ("ml.tasks"), as for every task of the project.
        importlib.import_module(name.rpartition(".")[0])
    return app.tasks[name]


def send(task_name: str, *args) -> bool:
    """Send `task_name(*args)` now; False when the broker is unreachable (the message is kept)."""
    try:
        task_named(task_name).delay(*args)
    except BROKER_ERRORS as error:
        log.warning("the broker did not take %s%s (%s): kept to be sent again", task_name, args, error)
        UnsentTask.objects.create(task=task_name, args=list(args), last_error=str(error)[:2000])
        return False
    return True


def send_on_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: send(task_name, *args))


def kept_args(task_name: str) -> list[list]:
    """The arguments of the messages of `task_name` still waiting for the broker, oldest first."""
    return list(UnsentTask.objects.filter(task=task_name).order_by("pk").values_list("args", flat=True))


def send_unsent(limit: int = SEND_BATCH) -> int:
    """Send the kept messages, oldest first; stops at the first failure (the broker is down)."""
    sent = 0
    with transaction.atomic():
        # skip_locked: two sweeps at once (two beat replicas) take different rows.
        for row in UnsentTask.objects.select_for_update(skip_locked=True).order_by("pk")[:limit]:
            try:
                task_named(row.task).delay(*row.args)
            except BROKER_ERRORS as error:
                UnsentTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, last_error=str(error)[:2000])
                break
            row.delete()
            sent += 1
    return sent
