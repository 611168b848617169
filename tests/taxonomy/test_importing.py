import copy

import pytest

from taxonomy.importing import import_taxonomy
from taxonomy.models import Attribute, AttributeValue, Category, CategoryAttribute
from taxonomy.problems import FileRefused
from taxonomy.relevance import relevant_pairs
from taxonomy.signals import current_revision

from ..conftest import SMALL_TAXONOMY, taxonomy_file

pytestmark = pytest.mark.django_db


def _refused(raw: bytes) -> FileRefused:
    import io

    with pytest.raises(FileRefused) as refused:
        import_taxonomy(io.BytesIO(raw))
    return refused.value


def _reasons(refused):
    return [(p.line, p.field, p.reason) for p in refused.problems]


def test_it_creates_categories_with_every_prefix_of_their_paths(taxonomy):
    assert Category.objects.count() == 5
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    assert sneakers.depth == 2
    assert sneakers.parent.parent == taxonomy.category("Shoes")


def test_it_stores_aliases_and_subsets(taxonomy):
    assert sorted(taxonomy.value("Color", "red").aliases) == ["coral", "赤"]
    tvs = CategoryAttribute.objects.get(category=taxonomy.category("TVs"), attribute__name="Color")
    assert not tvs.all_values
    assert [v.name for v in tvs.values.all()] == ["black"]


def test_it_changes_nothing_when_the_same_file_comes_again(taxonomy):
    revision = current_revision()

    result = import_taxonomy(taxonomy_file(SMALL_TAXONOMY))

    assert not result.changed
    assert current_revision() == revision


def test_it_makes_the_file_the_truth_for_the_pairs_of_listed_categories(taxonomy):
    document = copy.deepcopy(SMALL_TAXONOMY)
    document["categories"][3]["attributes"] = {"Color": "*"}  # TVs: any colour, no screen size
    document["attributes"][0]["values"][2]["aliases"] = ["crimson"]

    result = import_taxonomy(taxonomy_file(document))

    assert result.assignments_deleted == 1 and result.assignments_updated == 1 and result.values_updated == 1
    tvs = taxonomy.category("TVs")
    assert relevant_pairs(tvs.pk) == {("Color", "black"), ("Color", "blue"), ("Color", "red")}
    assert taxonomy.value("Color", "red").aliases == ["crimson"]


def test_it_keeps_what_the_file_does_not_mention(taxonomy):
    document = {"attributes": [{"name": "Color", "values": [{"name": "green"}]}], "categories": [{"path": ["Bags"]}]}

    import_taxonomy(taxonomy_file(document))

    assert AttributeValue.objects.filter(attribute__name="Color").count() == 4
    assert Attribute.objects.count() == 4
    assert relevant_pairs(taxonomy.category("TVs").pk)


def test_it_normalises_names(db):
    document = {"attributes": [{"name": "Ｃｏｌｏｒ", "values": [{"name": "dark  red "}]}],
                "categories": [{"path": ["Ｂａｇｓ ", " Totes"], "attributes": {"Color": ["dark red"]}}]}

    import_taxonomy(taxonomy_file(document))

    assert Category.objects.get(path_key="Bags\x1fTotes")
    assert AttributeValue.objects.get(attribute__name="Color", name="dark red")


def test_it_refuses_invalid_json_with_its_line(db):
    refused = _refused(b'{\n "attributes": [],\n "categories": [,]\n}\n')
    assert refused.problems[0].line == 3
    assert "invalid JSON" in refused.problems[0].reason
    assert Category.objects.count() == 0


def test_it_refuses_a_file_that_is_not_utf8(db):
    raw = taxonomy_file(SMALL_TAXONOMY).getvalue().replace("赤".encode(), "赤".encode("shift_jis"))
    refused = _refused(raw)
    assert "not UTF-8" in refused.problems[0].reason
    assert refused.problems[0].line == raw[: raw.index("赤".encode("shift_jis"))].count(b"\n") + 1
    assert Attribute.objects.count() == 0


BROKEN = """{"attributes": [
 {"name": "Color", "values": [{"name": "red"}, {"name": "blue"}]},
 {"name": "Material", "values": [
   {"name": "leather"},
   {"aliases": ["x"]}]},
 {"name": "Color", "values": []},
 {"name": "Size", "values": [{"name": "S"}, {"name": "S"}]}
],
"categories": [
 {"path": ["Shoes"], "attributes": {"Color": "*"}},
 {"path": ["Bags"], "attributes": {"Weight": "*"}},
 {"path": ["Shoes"], "attributes": {"Color": ["purple"]}},
 {"attributes": {}},
 {"path": ["Hats"], "attributes": {"Size": "S"}}
]}
"""


def test_it_lists_every_problem_with_its_line_and_writes_nothing(db):
    refused = _refused(BROKEN.encode())

    assert _reasons(refused) == [
        (5, "attributes[1].values[1].name", "missing field"),
        (6, "attributes[2].name", "duplicate attribute 'Color' (first on line 2)"),
        (7, "attributes[3].values[1].name", "duplicate value 'S' of attribute 'Size'"),
        (11, "categories[1].attributes['Weight']", "unknown attribute 'Weight'"),
        (12, "categories[2].path", "duplicate category 'Shoes' (first on line 10)"),
        (13, "categories[3].path", "missing field"),
        (14, "categories[4].attributes['Size']", 'must be "*" or a list of value names'),
    ]
    assert Attribute.objects.count() == 0 and Category.objects.count() == 0


def test_it_refuses_a_value_the_taxonomy_does_not_know(db):
    raw = b'{"attributes": [{"name": "Color", "values": [{"name": "red"}]}],\n "categories": [\n{"path": ["Shoes"], "attributes": {"Color": ["red", "purple"]}}]}'
    refused = _refused(raw)
    assert _reasons(refused) == [(3, "categories[0].attributes['Color']", "unknown value 'purple' of attribute 'Color'")]


def test_it_refuses_a_document_without_its_lists(db):
    refused = _refused(b'{}')
    assert [(p.field, p.reason) for p in refused.problems] == [("attributes", "missing field"), ("categories", "missing field")]
