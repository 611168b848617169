import pytest
from django.urls import reverse
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
