from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import is_seller, is_staff_member


class IsSellerOrStaff(BasePermission):
    """Sellers work on their own products (the views' querysets see to that), staff on all.

    Signed-in users who are neither may read (and see nothing) but not write.
    """

    message = "Only sellers and staff may change products."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_seller(user) or is_staff_member(user)
