"""Fixtures shared by every test module: named users in the three roles, API clients, and a
small taxonomy.

- sellers `seller_a` ("shop-a") and `seller_b` ("shop-b");
- `alice` works for seller A, `bob` for seller B, `nobody` is signed in but has no role;
- `staff` (is_staff: every product, training), `admin` (superuser: also the taxonomy);
- `<user>_api`: a DRF APIClient authenticated as that user; `anonymous_api`: not signed in;
- `taxonomy`: the shoe/TV taxonomy below, imported; `taxonomy.value("Color", "red")` etc.
Tests that read ../shared (benchmark data) use SHARED_DIR and skip when it is absent.
"""
import io
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
VIDEOAVE_DIR = SHARED_DIR / "data" / "videoave"

# docs/formats.md's example, grown a little: a subset under a "*", a sibling, and a second tree.
SMALL_TAXONOMY = {
    "attributes": [
        {"name": "Color", "values": [{"name": "black"}, {"name": "blue"}, {"name": "red", "aliases": ["coral", "赤"]}]},
        {"name": "Material", "values": [{"name": "canvas"}, {"name": "leather"}]},
        {"name": "Screen size", "values": [{"name": "32 inch"}, {"name": "55 inch"}]},
        {"name": "Shoe size (cm)", "values": [{"name": "25.0"}, {"name": "26.0"}, {"name": "27.0"}]},
    ],
    "categories": [
        {"path": ["Shoes"], "attributes": {"Color": "*"}},
        {"path": ["Shoes", "Men's shoes", "Sneakers"], "attributes": {"Shoe size (cm)": ["25.0", "26.0"]}},
        {"path": ["Shoes", "Women's shoes"], "attributes": {"Material": ["leather"]}},
        {"path": ["TVs"], "attributes": {"Color": ["black"], "Screen size": "*"}},
    ],
}


def taxonomy_file(document) -> io.BytesIO:
    return io.BytesIO(json.dumps(document, ensure_ascii=False, indent=1).encode())


def jsonl_file(*lines) -> io.BytesIO:
    """A products file: dicts become JSON lines, str and bytes are taken as they are."""
    out = io.BytesIO()
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line, ensure_ascii=False)
        out.write(line if isinstance(line, bytes) else line.encode())
        out.write(b"\n")
    out.seek(0)
    out.name = "products.jsonl"
    return out


class Taxonomy:
    def category(self, *path):
        from taxonomy.models import Category
        from taxonomy.names import path_key

        return Category.objects.get(path_key=path_key(path))

    def value(self, attribute, name):
        from taxonomy.models import AttributeValue

        return AttributeValue.objects.get(attribute__name=attribute, name=name)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default PBKDF2 costs a third of a second per user created; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_relevance_cache():
    # Each test's transaction is rolled back, revision counter included: start every test
    # with an empty in-process relevance cache.
    from taxonomy.relevance import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def taxonomy(db):
    from taxonomy.importing import import_taxonomy

    import_taxonomy(taxonomy_file(SMALL_TAXONOMY))
    return Taxonomy()


@pytest.fixture
def seller_a(db):
    from catalog.models import Seller

    return Seller.objects.create(slug="shop-a", name="Shop A")


@pytest.fixture
def seller_b(db):
    from catalog.models import Seller

    return Seller.objects.create(slug="shop-b", name="Shop B")


@pytest.fixture
def alice(django_user_model, seller_a):
    return django_user_model.objects.create_user("alice", password="alice-password", seller=seller_a)


@pytest.fixture
def bob(django_user_model, seller_b):
    return django_user_model.objects.create_user("bob", password="bob-password", seller=seller_b)


@pytest.fixture
def nobody(django_user_model):
    return django_user_model.objects.create_user("nobody", password="nobody-password")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("stella", password="stella-password", is_staff=True)


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("ada", password="ada-password")


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anonymous_api():
    return _client()


@pytest.fixture
def alice_api(alice):
    return _client(alice)


@pytest.fixture
def bob_api(bob):
    return _client(bob)


@pytest.fixture
def nobody_api(nobody):
    return _client(nobody)


@pytest.fixture
def staff_api(staff):
    return _client(staff)


@pytest.fixture
def admin_api(admin):
    return _client(admin)
