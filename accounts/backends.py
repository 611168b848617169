"""The authentication backend: Django's ModelBackend, refusing sign-ins while locked out."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

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

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own and their groups' permissions, as ModelBackend's, in one query
        instead of two: every page asks (the taxonomy admin link), so the second query was
        a round trip on every page."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            granted = (
                Permission.objects.all() if user_obj.is_superuser
                else Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            )
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in granted.values_list("content_type__app_label", "codename").distinct()
            }
        return user_obj._perm_cache

    def get_user(self, user_id):
        """The signed-in user of a request, with their seller: the page header names it."""
        try:
            user = get_user_model()._default_manager.select_related("seller").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
