"""Sign-in throttling: too many wrong passwords lock a user name, or a client address, for a while.

Failures are counted per user name (a guesser on many machines) and per client address (one
machine guessing many user names) over a fixed window that starts at the first failure. Once a
count reaches its limit, sign-ins for that name or from that address are refused, correct
password or not, until the window ends; refused attempts are not counted, so a guesser cannot
keep a user locked out beyond one window at a time. A successful sign-in forgets its user
name's failures.

Every sign-in goes through django.contrib.auth.authenticate (the sign-in page, the admin's,
POST /api/auth/token/): the backend (accounts/backends.py) refuses locked attempts and the
user_login_failed signal counts the rest (accounts/signals.py).
"""
import ipaddress
import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from .models import LoginFailures

# The user-name column is as wide as AbstractUser.username; a longer guess names no user.
_MAX_VALUE = 150


def client_address(request) -> str:
    """The address of the client: REMOTE_ADDR, or, behind ZOKUSEI_TRUSTED_PROXIES proxies,
    the entry of X-Forwarded-For that the outermost trusted proxy added (the entries before
    it are whatever the client sent, and prove nothing)."""
    proxies = settings.ZOKUSEI_TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies and _is_address(forwarded[-proxies]):
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")[:_MAX_VALUE]


def seconds_locked(request, username) -> int:
    """How long sign-ins for `username` from this client stay refused; 0 when they are not."""
    now = timezone.now()
    window = _window()
    locks = LoginFailures.objects.filter(window_started_at__gt=now - window).filter(
        Q(scope=LoginFailures.Scope.USERNAME, value=_value(username), count__gte=settings.ZOKUSEI_LOGIN_FAILURE_LIMIT)
        | Q(
            scope=LoginFailures.Scope.ADDRESS,
            value=client_address(request),
            count__gte=settings.ZOKUSEI_LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        )
    )
    ends = max((lock.window_started_at + window for lock in locks), default=None)
    return math.ceil((ends - now).total_seconds()) if ends else 0


def locked_out_message(seconds: int) -> str:
    """What a locked-out client is told, on the sign-in page and in the API alike."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins for this user name or from this address. Try again in %(minutes)d minute.",
        "Too many failed sign-ins for this user name or from this address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def record_failure(request, username) -> None:
    """Count a wrong password for `username` from this client (an attempt refused because of
    a lock tested no password, and is not counted)."""
    if seconds_locked(request, username):
        return
    now = timezone.now()
    _count(LoginFailures.Scope.USERNAME, _value(username), now)
    _count(LoginFailures.Scope.ADDRESS, client_address(request), now)
    # Expired windows are dead rows; dropping them here keeps the table as small as the
    # failures of one window, with no housekeeping task.
    LoginFailures.objects.filter(window_started_at__lte=now - _window()).delete()


def forget_failures(username) -> None:
    LoginFailures.objects.filter(scope=LoginFailures.Scope.USERNAME, value=_value(username)).delete()


def _count(scope, value, now) -> None:
    # Under the row lock, so that concurrent failures (several web workers) all count.
    with transaction.atomic():
        row, created = LoginFailures.objects.select_for_update().get_or_create(
            scope=scope, value=value, defaults={"count": 1, "window_started_at": now}
        )
        if created:
            return
        if row.window_started_at <= now - _window():
            row.count, row.window_started_at = 1, now
        else:
            row.count += 1
        row.save(update_fields=["count", "window_started_at"])


def _window() -> timedelta:
    return timedelta(seconds=settings.ZOKUSEI_LOGIN_LOCKOUT_SECONDS)


def _value(username) -> str:
    # A guess may hold what no text column takes (NUL, a lone surrogate): stored escaped.
    text = str(username or "").encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return text[:_MAX_VALUE]


def _is_address(text) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
