"""Translated names of the choices the models store as plain strings.

The models' own choice labels are English only; the UI shows these instead, so a Japanese
seller sees 承認済み rather than "accepted".
"""
from django.utils.translation import gettext_lazy as _

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
