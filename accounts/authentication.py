"""Token authentication that refuses expired tokens (accounts/tokens.py)."""
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .tokens import has_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if has_expired(token):
            raise AuthenticationFailed(_("Token has expired; POST /api/auth/token/ for a new one."))
        return user, token
