from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_it_gives_a_token_that_authenticates(alice, alices_password="alice-password"):
    client = APIClient()
    token = client.post(reverse("api-token"), {"username": "alice", "password": alices_password}, format="json").json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get(reverse("api-me")).json()["seller"] == "shop-a"


def test_it_refuses_a_token_for_a_wrong_password(alice):
    assert APIClient().post(reverse("api-token"), {"username": "alice", "password": "nope"}, format="json").status_code == 400


def test_it_tells_users_their_roles(alice_api, staff_api, admin_api, nobody_api):
    def roles(client):
        me = client.get(reverse("api-me")).json()
        return me["is_seller"], me["is_staff_member"], me["is_taxonomy_admin"]

    assert roles(alice_api) == (True, False, False)
    assert roles(staff_api) == (False, True, False)
    assert roles(admin_api) == (False, True, True)
    assert roles(nobody_api) == (False, False, False)


# --- sign-in throttling (accounts/lockout.py) -----------------------------------------------
def ask_token(username, password, address="198.51.100.7", client=None):
    client = client or APIClient()
    return client.post(
        reverse("api-token"), {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_user_name_with_429(alice):
    for _ in range(5):
        assert ask_token("alice", "wrong").status_code == 400

    locked = ask_token("alice", "alice-password")

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many failed sign-ins" in locked.json()["detail"]


def test_the_user_name_lock_holds_from_another_address_until_its_window_ends(alice):
    from accounts.models import LoginFailures

    for _ in range(5):
        ask_token("alice", "wrong", address="198.51.100.7")
    assert ask_token("alice", "alice-password", address="203.0.113.9").status_code == 429

    # given: the window of those failures began longer ago than the lockout lasts
    LoginFailures.objects.update(window_started_at=timezone.now() - timedelta(seconds=settings.ZOKUSEI_LOGIN_LOCKOUT_SECONDS + 1))

    assert ask_token("alice", "alice-password", address="203.0.113.9").status_code == 200


def test_attempts_during_a_lockout_do_not_extend_it(alice):
    from accounts.models import LoginFailures

    for _ in range(5):
        ask_token("alice", "wrong")
    started = LoginFailures.objects.get(scope="username", value="alice").window_started_at
    for _ in range(3):
        assert ask_token("alice", "wrong").status_code == 429

    assert LoginFailures.objects.get(scope="username", value="alice").window_started_at == started


def test_wrong_passwords_for_many_user_names_lock_the_address(alice, settings):
    settings.ZOKUSEI_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    for number in range(6):
        assert ask_token(f"guess{number}", "wrong").status_code == 400

    assert ask_token("alice", "alice-password").status_code == 429
    assert ask_token("alice", "alice-password", address="203.0.113.9").status_code == 200


def test_a_success_forgets_the_user_names_earlier_failures(alice):
    for _ in range(4):
        ask_token("alice", "wrong")
    assert ask_token("alice", "alice-password").status_code == 200

    for _ in range(4):
        assert ask_token("alice", "wrong").status_code == 400
    assert ask_token("alice", "alice-password").status_code == 200


def test_the_client_address_is_the_one_the_trusted_proxy_saw(rf, settings):
    from accounts.lockout import client_address

    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    settings.ZOKUSEI_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.2"
    settings.ZOKUSEI_TRUSTED_PROXIES = 1
    assert client_address(request) == "198.51.100.7"
    assert client_address(rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not an address")) == "10.0.0.2"


def test_an_overlong_user_name_or_password_is_refused_with_its_field(alice):
    assert "username" in ask_token("a" * 151, "x").json()
    assert "password" in ask_token("alice", "x" * 4097).json()


# --- tokens that expire, rotate and are revoked (accounts/tokens.py) --------------------------
def token_of(username, password):
    response = ask_token(username, password)
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_token_answer_says_when_it_expires(alice):
    answer = token_of("alice", "alice-password")
    expires = datetime.fromisoformat(answer["expires"])
    assert abs(expires - (timezone.now() + timedelta(days=settings.ZOKUSEI_TOKEN_LIFETIME_DAYS))) < timedelta(minutes=1)


def test_an_expired_token_answers_401(alice):
    from rest_framework.authtoken.models import Token

    key = token_of("alice", "alice-password")["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=settings.ZOKUSEI_TOKEN_LIFETIME_DAYS, seconds=1))

    response = with_token(key).get(reverse("api-me"))

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_signing_in_again_rotates_the_token(alice):
    first = token_of("alice", "alice-password")["token"]
    second = token_of("alice", "alice-password")["token"]

    assert first != second
    assert with_token(first).get(reverse("api-me")).status_code == 401
    assert with_token(second).get(reverse("api-me")).status_code == 200


def test_the_owner_revokes_their_token(alice):
    key = token_of("alice", "alice-password")["token"]
    client = with_token(key)

    assert client.delete(reverse("api-token")).status_code == 204

    assert client.get(reverse("api-me")).status_code == 401


def test_one_user_cannot_revoke_anothers_token(alice, bob):
    alices = token_of("alice", "alice-password")["token"]
    bobs = token_of("bob", "bob-password")["token"]

    # Bob names Alice's key: only his own token can go.
    assert with_token(bobs).delete(reverse("api-token"), {"token": alices}, format="json").status_code == 204

    assert with_token(alices).get(reverse("api-me")).json()["username"] == "alice"
    assert with_token(bobs).get(reverse("api-me")).status_code == 401


def test_revoking_needs_a_signed_in_user(anonymous_api):
    assert anonymous_api.delete(reverse("api-token")).status_code == 401
