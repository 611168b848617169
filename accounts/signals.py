"""Sign-in outcomes feed the lockout counters (accounts/lockout.py)."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import lockout


@receiver(user_login_failed, dispatch_uid="accounts.count_login_failure")
def count_login_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        lockout.record_failure(request, credentials.get("username"))


@receiver(user_logged_in, dispatch_uid="accounts.forget_login_failures")
def forget_login_failures(sender, request, user, **kwargs):
    lockout.forget_failures(user.get_username())
