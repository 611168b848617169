"""A corpus of bad taxonomy.json files, each imported by the command line's function
(import_taxonomy) and by the API upload (POST /api/taxonomy/import/, a taxonomy admin), over
the taxonomy already in the database:

- a file that cannot be read as a taxonomy is refused whole, every problem with its line
  and field, and the taxonomy (every table, every alias) is as it was;
- names that are only odd (HTML, JavaScript, path characters) are stored exactly as sent and
  shown escaped on every page that shows them.
The files are made here; run with -s to see the corpus size per outcome.
"""
import copy
import io
import json
from dataclasses import dataclass

import pytest
from django.urls import reverse

from catalog.importing import import_products
from catalog.models import Product
from taxonomy.exporting import taxonomy_document
from taxonomy.importing import import_taxonomy
from taxonomy.models import Attribute, AttributeValue, Category, CategoryAttribute, TaxonomyRevision
from taxonomy.problems import FileRefused
from tests.conftest import SMALL_TAXONOMY, jsonl_file, suggest

pytestmark = pytest.mark.django_db

COLOR_RED = [{"name": "Color", "values": [{"name": "red"}]}]


def document(**parts) -> bytes:
    """SMALL_TAXONOMY with some parts replaced, written one key per line (stable line numbers)."""
    return json.dumps({**copy.deepcopy(SMALL_TAXONOMY), **parts}, indent=1, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Bad:
    name: str
    data: bytes
    # (line, field) of problems the report must hold.
    problems: tuple


REFUSED = [
    Bad("truncated", document()[:200], ((17, None),)),
    Bad("empty-file", b" ", ((1, None),)),
    Bad("not-an-object", b"[]", ((1, None),)),
    Bad("shift-jis", json.dumps({"attributes": [{"name": "色", "values": [{"name": "赤"}]}], "categories": []},
                                ensure_ascii=False, indent=1).encode("shift_jis"), ((4, None),)),
    Bad("utf-16", document().decode().encode("utf-16"), ((1, None),)),
    Bad("raw-nul-byte", document().replace(b'"black"', b'"bl\x00ack"'), ((7, None),)),
    Bad("escaped-nul-in-every-name", document(
        attributes=[{"name": "Co\u0000lor", "values": [{"name": "r\u0000ed", "aliases": ["a\u0000"]}]}],
        categories=[{"path": ["Sh\u0000oes"], "attributes": {}}],
    ), ((3, "attributes[0].name"), (6, "attributes[0].values[0].name"), (6, "attributes[0].values[0].aliases[0]"),
        (16, "categories[0].path[0]"))),
    Bad("lone-surrogate", b'{"attributes": [{"name": "\\udc00", "values": []}], "categories": []}', ((1, "attributes[0].name"),)),
    Bad("over-long-name", document(attributes=[{"name": "C" * 100_000, "values": []}], categories=[]), ((3, "attributes[0].name"),)),
    Bad("too-many-aliases", document(
        attributes=[{"name": "Color", "values": [{"name": "red", "aliases": [f"a{i}" for i in range(5000)]}]}], categories=[]
    ), ((6, "attributes[0].values[0].aliases"),)),
    Bad("wrong-types", document(attributes={"Color": []}, categories=[]), ((1, "attributes"),)),
    Bad("names-not-strings", document(attributes=[{"name": 5, "values": [{"name": None}]}], categories=[]),
        ((3, "attributes[0].name"), (6, "attributes[0].values[0].name"))),
    Bad("aliases-not-a-list", document(attributes=[{"name": "Color", "values": [{"name": "red", "aliases": "coral"}]}], categories=[]),
        ((6, "attributes[0].values[0].aliases"),)),
    Bad("duplicate-attribute", document(attributes=COLOR_RED + COLOR_RED, categories=[]), ((11, "attributes[1].name"),)),
    Bad("duplicate-value", document(attributes=[{"name": "Color", "values": [{"name": "red"}, {"name": "red"}]}], categories=[]),
        ((9, "attributes[0].values[1].name"),)),
    Bad("duplicate-category", document(attributes=COLOR_RED, categories=[{"path": ["Shoes"]}, {"path": ["Shoes"]}]),
        ((18, "categories[1].path"),)),
    Bad("unknown-keys", document(
        extra=1, attributes=[{"name": "Color", "colour": 1, "values": [{"name": "red", "alias": []}]}],
        categories=[{"path": ["Shoes"], "attrs": {}}],
    ), ((1, "extra"), (3, "attributes[0].colour"), (7, "attributes[0].values[0].alias"), (15, "categories[0].attrs"))),
    Bad("unknown-attribute-and-value-assigned", document(
        attributes=COLOR_RED, categories=[{"path": ["Shoes"], "attributes": {"Flavour": "*", "Color": ["purple"]}}]
    ), ((13, "categories[0].attributes['Flavour']"), (13, "categories[0].attributes['Color']"))),
    Bad("empty-paths", document(attributes=COLOR_RED, categories=[{"path": []}, {"path": ["", "x"]}, {"path": "Shoes"}]),
        ((13, "categories[0].path"), (16, "categories[1].path"), (22, "categories[2].path"))),
    # Thousands of nested lists: the parser gives up without a line, the file is named whole.
    Bad("nested-too-deeply", b"[" * 100_000 + b"]" * 100_000, ((None, None),)),
]

HTML_ATTRIBUTE = "<script>alert('attribute')</script>"
HTML_VALUE = "<img src=x onerror=alert('value')>"
HTML_ALIAS = "<b>alias</b>"
HTML_PATH = ["<i>Shoes</i>", "<script>alert('category')</script>"]
ODD_PATH = ["Shoes > Men", "a/b", "../..", "C:\\x"]


@dataclass(frozen=True)
class Odd:
    name: str
    data: bytes


STORED = [
    Odd("html-and-script-in-every-name", document(
        attributes=[{"name": HTML_ATTRIBUTE, "values": [{"name": HTML_VALUE, "aliases": [HTML_ALIAS]}]}],
        categories=[{"path": HTML_PATH, "attributes": {HTML_ATTRIBUTE: "*"}}],
    )),
    Odd("path-characters-in-names", document(attributes=COLOR_RED, categories=[{"path": ODD_PATH, "attributes": {"Color": "*"}}])),
    Odd("utf-8-byte-order-mark", b"\xef\xbb\xbf" + document()),
]


def _state():
    """Every taxonomy row, with its aliases and assignments, and the revision counter."""
    return (
        taxonomy_document(),
        Attribute.objects.count(), AttributeValue.objects.count(), Category.objects.count(),
        CategoryAttribute.objects.count(), TaxonomyRevision.objects.count(),
    )


def _check_report(problems, case):
    found = {(p["line"], p["field"]) for p in problems}
    assert set(case.problems) <= found, problems
    assert all(p["reason"] for p in problems)
    if case.problems != ((None, None),):
        assert all(p["line"] is not None for p in problems), problems


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.name)
def test_a_bad_taxonomy_file_from_the_command_line_is_refused_whole_with_line_and_field(taxonomy, case):
    before = _state()
    with pytest.raises(FileRefused) as refused:
        import_taxonomy(io.BytesIO(case.data), name="taxonomy.json")
    _check_report(refused.value.as_dict()["problems"], case)
    assert _state() == before


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.name)
def test_a_bad_taxonomy_file_uploaded_is_refused_whole_with_line_and_field(taxonomy, admin_api, case):
    before = _state()
    upload = io.BytesIO(case.data)
    upload.name = "taxonomy.json"
    response = admin_api.post(reverse("taxonomy-import"), {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    _check_report(response.json()["problems"], case)
    assert _state() == before


def _names():
    return (
        sorted(Attribute.objects.values_list("name", flat=True)),
        sorted((v.attribute.name, v.name, tuple(v.aliases)) for v in AttributeValue.objects.select_related("attribute")),
        sorted(Category.objects.values_list("name", flat=True)),
    )


def _expected_names(case):
    sent = json.loads(case.data.decode("utf-8-sig"))
    return (
        sorted(a["name"] for a in sent["attributes"]),
        sorted((a["name"], v["name"], tuple(sorted(v.get("aliases", [])))) for a in sent["attributes"] for v in a["values"]),
        sorted({name for c in sent["categories"] for name in c["path"]}),
    )


@pytest.mark.parametrize("case", STORED, ids=lambda case: case.name)
def test_odd_names_from_the_command_line_are_stored_exactly_as_sent(db, case):
    import_taxonomy(io.BytesIO(case.data))
    assert _names() == _expected_names(case)


@pytest.mark.parametrize("case", STORED, ids=lambda case: case.name)
def test_odd_names_uploaded_are_stored_exactly_as_sent(admin_api, case):
    upload = io.BytesIO(case.data)
    upload.name = "taxonomy.json"
    response = admin_api.post(reverse("taxonomy-import"), {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert _names() == _expected_names(case)


@pytest.fixture
def html_taxonomy_product(seller_a, model_version):
    import_taxonomy(io.BytesIO(STORED[0].data))
    value = AttributeValue.objects.get(name=HTML_VALUE)
    import_products(jsonl_file({"id": "A-1", "category": HTML_PATH, "title": "t", "labels": []}), default_seller="shop-a")
    product = Product.objects.get()
    suggest(product, value, model_version, 0.9)
    return product, value


RAW = ("<script>alert(", "<img src=x", "<b>alias</b>", "<i>Shoes</i>")


def test_html_and_script_in_taxonomy_names_are_escaped_on_every_page_that_shows_them(
    client, alice, staff, admin, html_taxonomy_product
):
    product, value = html_taxonomy_product
    category = Category.objects.get(name=HTML_PATH[-1])
    pages = {
        alice: ["/queue/", f"/products/{product.pk}/"],
        staff: ["/staff/", f"/products/{product.pk}/"],
        admin: [
            "/admin/taxonomy/category/", f"/admin/taxonomy/category/{category.pk}/change/",
            "/admin/taxonomy/attribute/", "/admin/taxonomy/attributevalue/",
            f"/admin/taxonomy/attributevalue/{value.pk}/change/", f"/admin/taxonomy/attributevalue/{value.pk}/delete/",
            "/admin/taxonomy/categoryattribute/", "/admin/catalog/product/", f"/admin/catalog/product/{product.pk}/change/",
        ],
    }
    shown = 0
    for user, paths in pages.items():
        client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.content.decode()
            for raw in RAW:
                assert raw not in html, f"{path} shows {raw!r} unescaped"
            shown += 1
    # The product page names the suggested value and the category, escaped.
    client.force_login(alice)
    html = client.get(f"/products/{product.pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(" in html and "&lt;i&gt;Shoes&lt;/i&gt;" in html
    print(f"\ntaxonomy bad-file corpus: HTML names checked escaped on {shown} pages")


def test_the_corpus_size_per_outcome():
    located = sum(len(case.problems) for case in REFUSED)
    print(
        f"\ntaxonomy bad-file corpus: {len(REFUSED)} files refused ({located} located problems), "
        f"{len(STORED)} stored as text; each by the command line and by the API upload"
    )
    assert len({case.name for case in REFUSED + STORED}) == len(REFUSED) + len(STORED)
