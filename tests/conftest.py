"""Fixtures shared by every test module: named users in the three roles, API clients, and a
small taxonomy.

- sellers `seller_a` ("shop-a") and `seller_b` ("shop-b");
- `alice` works for seller A, `bob` for seller B, `nobody` is signed in but has no role;
- `staff` (is_staff: every product, training), `admin` (superuser: also the taxonomy);
- `<user>_api`: a DRF APIClient authenticated as that user; `anonymous_api`: not signed in;
- `taxonomy`: the shoe/TV taxonomy below, imported; `taxonomy.value("Color", "red")` etc.;
- review data made with the ORM, no model code involved: `model_version` (active), Alice's
  `sneaker` with `sneaker_suggestions` pending on it, `bobs_tv` with one; `make_product` and
  `suggest` make more.
Tests that read ../shared (benchmark data) use SHARED_DIR and skip when it is absent.
"""
import html
import io
import json
import os
import re
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


def changelist_rows(page: str) -> list[list[str]]:
    """The rows of an admin list page as its cells' text, the selection checkbox left out."""
    table = page[page.index('id="result_list"'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL):
        cells = re.findall(r'<t[dh] class="field-[^"]*"[^>]*>(.*?)</t[dh]>', row, re.DOTALL)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


class Taxonomy:
    def category(self, *path):
        from taxonomy.models import Category
        from taxonomy.names import path_key

        return Category.objects.get(path_key=path_key(path))

    def value(self, attribute, name):
        from taxonomy.models import AttributeValue

        return AttributeValue.objects.get(attribute__name=attribute, name=name)


# Encoders named on the hub that the tests' runs may name: "downloaded" into a cache of their
# own (the tests run offline, HF_HUB_OFFLINE), laid out as huggingface_hub lays it out, so that
# ml.runs.encoder_load_problem finds them as it would on a worker that has them.
CACHED_HUB_ENCODERS = ("cl-tohoku/bert-base-japanese-v3", "bert-base-uncased")


@pytest.fixture(autouse=True, scope="session")
def _hub_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("hub-cache")
    for name in CACHED_HUB_ENCODERS:
        repo = cache / f"models--{name.replace('/', '--')}"
        (repo / "refs").mkdir(parents=True)
        (repo / "refs" / "main").write_text("0" * 40)
        snapshot = repo / "snapshots" / ("0" * 40)
        snapshot.mkdir(parents=True)
        (snapshot / "config.json").write_text("{}")
    before = os.environ.get("HF_HUB_CACHE")
    os.environ["HF_HUB_CACHE"] = str(cache)
    yield cache
    if before is None:
        os.environ.pop("HF_HUB_CACHE", None)
    else:
        os.environ["HF_HUB_CACHE"] = before


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


# Review data: here rather than in one folder's conftest because the review code and its tests
# live in catalog/, the pages showing it in frontend/ and the browser tests drive both.
SNEAKER_TITLE = "Northwave ESPRESSO ＲＥＤ sneaker 26.0cm <script>alert('x')</script>"
SNEAKER_DESCRIPTION = "Lightweight canvas upper.\n赤 colourway, rubber sole."


@pytest.fixture
def model_version(db):
    from ml.models import ModelVersion

    return ModelVersion.objects.create(
        artifact_uri="test",
        checksum="0" * 64,
        encoder="test-encoder",
        label_count=12,
        is_active=True,
        metrics={
            "micro_p": 0.8, "micro_r": 0.6, "micro_f1": 0.686, "macro_f1": 0.4, "p@1": 0.9, "labels": 12,
            "groups": {"high": {"micro_f1": 0.9, "labels": 2}, "rare": {"micro_f1": 0.1, "labels": 5}},
        },
    )


def make_product(seller, category, external_id, title, description=""):
    from catalog.models import Product

    return Product.objects.create(
        seller=seller, category=category, external_id=external_id, title=title, description=description
    )


def suggest(product, value, version, score):
    from catalog.models import Suggestion

    return Suggestion.objects.create(product=product, value=value, model_version=version, score=score)


@pytest.fixture
def sneaker(taxonomy, seller_a):
    return make_product(
        seller_a, taxonomy.category("Shoes", "Men's shoes", "Sneakers"), "A-1", SNEAKER_TITLE, SNEAKER_DESCRIPTION
    )


@pytest.fixture
def sneaker_suggestions(sneaker, taxonomy, model_version):
    """Named suggestions on Alice's sneaker: red 0.93, blue 0.55, size 26.0 0.81, size 25.0 0.30."""
    return {
        "red": suggest(sneaker, taxonomy.value("Color", "red"), model_version, 0.93),
        "blue": suggest(sneaker, taxonomy.value("Color", "blue"), model_version, 0.55),
        "26": suggest(sneaker, taxonomy.value("Shoe size (cm)", "26.0"), model_version, 0.81),
        "25": suggest(sneaker, taxonomy.value("Shoe size (cm)", "25.0"), model_version, 0.30),
    }


@pytest.fixture
def bobs_tv(taxonomy, seller_b, model_version):
    tv = make_product(seller_b, taxonomy.category("TVs"), "B-1", "Bob's 55 inch TV", "A big black TV.")
    suggest(tv, taxonomy.value("Screen size", "55 inch"), model_version, 0.97)
    return tv
