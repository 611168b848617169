import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_renders_every_page(client, alice, staff, sneaker_suggestions, sneaker):
    client.force_login(alice)
    for url in [reverse("frontend:queue"), reverse("frontend:product", args=[sneaker.pk])]:
        response = client.get(url)
        assert response.status_code == 200, url
    client.force_login(staff)
    for name in ["overview", "runs", "versions", "queue"]:
        assert client.get(reverse(f"frontend:{name}")).status_code == 200, name
