"""The authentication backend: Django's ModelBackend, refusing sign-ins while locked out."""
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import lockout


class LockoutModelBackend(ModelBackend):
    """Every password check of the site (sign-in page, admin, API token) passes here, so a
    lock holds everywhere. Without a request (client.login in tests, management commands)
    there is no client to lock out."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and lockout.seconds_locked(request, username):
            # PermissionDenied stops authenticate() at once, whatever the password.
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)
