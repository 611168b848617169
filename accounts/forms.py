from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import lockout


class LockoutAuthenticationForm(AuthenticationForm):
    """The sign-in form, telling a locked-out client so (and for how long) instead of the
    usual "did not match", which would send them on guessing."""

    # Seconds of lock left when this form was refused for it; else 0.
    locked_seconds = 0

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and self.request is not None:
            seconds = lockout.seconds_locked(self.request, username)
            if seconds:
                self.locked_seconds = seconds
                raise ValidationError(lockout.locked_out_message(seconds), code="locked")
        return super().clean()
