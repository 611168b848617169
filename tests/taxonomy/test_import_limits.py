"""taxonomy.json files that would crash the database are refused whole, with the line and
field of each problem; unknown keys at every level are refused instead of ignored."""
import copy
import io
import json

import pytest

from taxonomy.importing import import_taxonomy
from taxonomy.limits import MAX_ALIASES_PER_VALUE
from taxonomy.models import MAX_PATH_KEY_BYTES, Attribute, AttributeValue, Category, CategoryAttribute
from taxonomy.problems import FileRefused

from ..conftest import SMALL_TAXONOMY

pytestmark = pytest.mark.django_db


def _counts():
    return [model.objects.count() for model in (Attribute, AttributeValue, Category, CategoryAttribute)]


def _refused(document) -> list[tuple]:
    raw = document if isinstance(document, bytes) else json.dumps(document, indent=1).encode("utf-8", "surrogatepass")
    before = _counts()
    with pytest.raises(FileRefused) as refused:
        import_taxonomy(io.BytesIO(raw))
    assert _counts() == before  # nothing of a refused file is written
    str(refused.value.as_dict()).encode("utf-8")  # printable and encodable, whatever the file held
    return [(p.field, p.reason) for p in refused.value.problems]


def _document(**changes):
    document = copy.deepcopy(SMALL_TAXONOMY)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = document
        for part in parents:
            target = target[int(part) if part.isdigit() else part]
        target[int(last) if last.isdigit() else last] = value
    return document


def test_names_over_255_characters_are_refused_with_their_field(taxonomy):
    long_name = "x" * 256
    problems = _refused(_document(
        attributes__0__name=long_name,
        attributes__1__values__0__name=long_name,
        attributes__0__values__2__aliases=["coral", long_name],
        categories__2__path=["Shoes", long_name],
    ))
    too_long = "longer than 255 characters (256)"
    assert problems == [
        ("attributes[0].name", too_long),
        ("attributes[0].values[2].aliases[1]", too_long),
        ("attributes[1].values[0].name", too_long),
        ("categories[2].path[1]", too_long),
    ]


def test_a_name_that_grows_past_255_characters_when_normalised_is_refused(db):
    # NFKC turns the one character ㍿ into 株式会社: the column holds the normalised name.
    document = _document()
    document["attributes"].append({"name": "㍿" * 100})
    assert _refused(document) == [("attributes[4].name", "longer than 255 characters (400)")]


def test_nul_and_lone_surrogates_in_names_are_refused_with_their_field(db):
    problems = _refused(_document(attributes__0__name="Col\u0000or", categories__1__path=["Shoes", "\ud800"]))
    assert problems[0] == ("attributes[0].name", "contains a NUL character (\\u0000)")
    assert ("categories[1].path[1]", "contains a lone surrogate (\\ud800) at character 1") in problems


def test_more_aliases_than_a_value_may_have_are_refused(db):
    aliases = [f"red {i}" for i in range(MAX_ALIASES_PER_VALUE + 1)]
    problems = _refused(_document(attributes__0__values__2__aliases=aliases))
    assert problems == [("attributes[0].values[2].aliases", f"{MAX_ALIASES_PER_VALUE + 1} aliases, more than the 100 a value may have")]


def test_a_path_too_long_for_the_path_index_is_refused(db):
    path = [f"{i}" + "x" * 250 for i in range(10)]  # ten names under 255, 2,519 bytes together
    problems = _refused(_document(categories__2__path=path))
    assert problems == [("categories[2].path", (
        f"the whole path is 2,519 bytes in UTF-8, longer than the {MAX_PATH_KEY_BYTES:,} a category path may be"
    ))]


def test_unknown_keys_are_refused_at_every_level(db):
    document = _document(categoris=[])
    document["attributes"][0]["valeus"] = []
    document["attributes"][0]["values"][0]["alias"] = ["noir"]
    document["categories"][0]["attribute"] = {}
    problems = _refused(document)
    assert problems == [
        ("categoris", "unknown field; the known ones are attributes, categories (did you mean 'categories'?)"),
        ("attributes[0].valeus", "unknown field; the known ones are name, values (did you mean 'values'?)"),
        ("attributes[0].values[0].alias", "unknown field; the known ones are name, aliases (did you mean 'aliases'?)"),
        ("categories[0].attribute", "unknown field; the known ones are path, attributes (did you mean 'attributes'?)"),
    ]


def test_json_nested_thousands_deep_is_refused(db):
    problems = _refused(b'{"attributes": ' + b"[" * 100_000 + b"]" * 100_000 + b', "categories": []}')
    assert problems == [(None, "invalid JSON: nested too deeply (a taxonomy is a few levels deep)")]
