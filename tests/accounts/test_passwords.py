"""Django's password validators (AUTH_PASSWORD_VALIDATORS) hold on the admin's forms, the
paths by which passwords are set here (the demo sets its own documented ones)."""
import pytest
from django.urls import reverse

WEAK = ["12345678", "password", "short", "alice-2"]


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_password_is_refused_when_an_admin_adds_a_user(client, admin, django_user_model, weak):
    client.force_login(admin)
    before = django_user_model.objects.count()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "alice-2", "usable_password": "true", "password1": weak, "password2": weak},
    )
    assert response.status_code == 200  # the form again, with its errors
    assert response.context["adminform"].form.errors.get("password2")
    assert django_user_model.objects.count() == before


def test_a_strong_password_is_taken_when_an_admin_adds_a_user(client, admin, django_user_model):
    client.force_login(admin)
    strong = "correct-horse-battery-staple-9"
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "carol", "usable_password": "true", "password1": strong, "password2": strong},
    )
    assert response.status_code == 302
    assert django_user_model.objects.get(username="carol").check_password(strong)


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_password_is_refused_when_an_admin_changes_one(client, admin, alice, weak):
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"usable_password": "true", "password1": weak, "password2": weak},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("alice-password")
