"""The sign-in page and the admin's under the lockout (accounts/lockout.py)."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, path=None):
    return client.post(path or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="198.51.100.7")


def test_five_wrong_passwords_lock_the_sign_in_page_with_a_clear_message(client, alice):
    for _ in range(5):
        assert "did not match" in sign_in(client, "alice", "wrong").content.decode()

    locked = sign_in(client, "alice", "alice-password")

    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    page = locked.content.decode()
    assert "Too many failed sign-ins" in page and "Try again in 15 minutes" in page
    assert "did not match" not in page
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_counts_and_honours_the_same_lock(client, admin):
    for _ in range(5):
        sign_in(client, "ada", "wrong", path=reverse("admin:login"))

    sign_in(client, "ada", "ada-password", path=reverse("admin:login"))
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "ada", "ada-password").status_code == 429


def test_a_correct_password_still_signs_in_after_a_few_mistakes(client, alice):
    for _ in range(4):
        sign_in(client, "alice", "wrong")

    assert sign_in(client, "alice", "alice-password").status_code == 302


def test_deleting_its_row_in_the_admin_lifts_a_lock(client, alice, admin):
    from accounts.models import LoginFailures

    for _ in range(5):
        sign_in(client, "alice", "wrong")
    row = LoginFailures.objects.get(scope="username", value="alice")
    client.force_login(admin)

    client.post(reverse("admin:accounts_loginfailures_delete", args=[row.pk]), {"post": "yes"})
    client.logout()

    assert sign_in(client, "alice", "alice-password").status_code == 302
