from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import is_taxonomy_admin


class IsTaxonomyAdminOrReadOnly(BasePermission):
    """Any signed-in user reads the taxonomy; only taxonomy admins change it."""

    message = "Only taxonomy admins may change the taxonomy."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_taxonomy_admin(request.user)


class IsTaxonomyAdmin(BasePermission):
    message = "Only taxonomy admins may import a taxonomy."

    def has_permission(self, request, view):
        return is_taxonomy_admin(request.user)
