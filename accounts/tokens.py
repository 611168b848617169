"""API tokens (DRF's authtoken): one per user, new at each sign-in, expiring, revocable.

A token is valid for ZOKUSEI_TOKEN_LIFETIME_DAYS from when it was issued; asking for one again
replaces the old one (which then stops working), and its owner may delete it at any time.
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token


def issue_token(user) -> Token:
    """A fresh token for `user`, replacing the one they had."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def revoke_token(user) -> bool:
    """Delete the token of `user` (theirs only); True if there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


def expires_at(token: Token) -> datetime:
    return token.created + timedelta(days=settings.ZOKUSEI_TOKEN_LIFETIME_DAYS)


def has_expired(token: Token) -> bool:
    return timezone.now() >= expires_at(token)
