"""Translated names of the choices the models store as plain strings.

The models' own choice labels are English only; the UI shows these instead, so a Japanese
seller sees 承認済み rather than "accepted".
"""
import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

SUGGESTION_STATUS = {
    "pending": _("To review"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "corrected": _("Corrected"),
    "withdrawn": _("Withdrawn"),
}
RUN_STATUS = {
    "queued": _("Queued"),
    "running": _("Running"),
    "succeeded": _("Succeeded"),
    "failed": _("Failed"),
    "cancelled": _("Cancelled"),
}
LABEL_SOURCE = {
    "import": _("imported"),
    "seller": _("entered by the seller"),
    "suggestion": _("accepted suggestion"),
}
DECISION_ACTION = {
    "accept": _("accepting"),
    "reject": _("rejecting"),
    "correct": _("correcting"),
}
# TrainingRun.stage: ml/runs.py and ml/training.py write the pipeline's own steps, ml/xmc
# (ProgressEvent.stage) those of the trainer.
RUN_STAGE = {
    "": "",
    "snapshot": _("copying the training data"),
    "prepare": _("preparing"),
    "train": _("training"),
    "validate": _("validating"),
    "thresholds": _("tuning thresholds"),
    "save": _("saving the model"),
    "evaluate": _("evaluating on held-out products"),
    "done": _("finished"),
    "cancelled": _("cancelled"),
    "failed": _("failed"),
}
# The fixed reasons the pipeline records in TrainingRun.error (other errors are a worker's
# exception, shown as they are: staff need the exact text to act on it).
RUN_ERROR = {
    "cancelled by staff": _("cancelled by staff"),
    "cancelled by staff (its worker was lost)": _("cancelled by staff (its worker was lost)"),
    "interrupted (the demo was stopped)": _("interrupted (the demo was stopped)"),
}
_WORKER_LOST = re.compile(r"the run lost its worker (\d+) times? \(killed, out of memory\?\); the active model version is unchanged")


def run_error(text: str) -> str:
    """The run's recorded error in the reader's language, where it is one of the pipeline's own."""
    if text in RUN_ERROR:
        return str(RUN_ERROR[text])
    lost = _WORKER_LOST.fullmatch(text or "")
    if lost:
        times = int(lost.group(1))
        return ngettext(
            "the run lost its worker %(count)d time (killed, out of memory?); the active model version is unchanged",
            "the run lost its worker %(count)d times (killed, out of memory?); the active model version is unchanged",
            times,
        ) % {"count": times}
    return text
