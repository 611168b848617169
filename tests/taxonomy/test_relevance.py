import pytest

from taxonomy.models import AttributeValue, Category, CategoryAttribute
from taxonomy.relevance import relevance_index, relevant_pairs, relevant_value_ids, relevant_value_ids_for

pytestmark = pytest.mark.django_db


def _pairs(category):
    return relevant_pairs(category.pk)


def test_it_gives_a_category_its_own_pairs(taxonomy):
    tvs = taxonomy.category("TVs")
    assert _pairs(tvs) == {("Color", "black"), ("Screen size", "32 inch"), ("Screen size", "55 inch")}


def test_it_gives_descendants_their_ancestors_pairs(taxonomy):
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    assert _pairs(sneakers) == {
        ("Color", "black"), ("Color", "blue"), ("Color", "red"), ("Shoe size (cm)", "25.0"), ("Shoe size (cm)", "26.0"),
    }


def test_it_gives_an_inner_category_without_pairs_its_parents(taxonomy):
    mens = taxonomy.category("Shoes", "Men's shoes")
    assert relevant_value_ids(mens.pk) == relevant_value_ids(taxonomy.category("Shoes").pk)


def test_it_keeps_sibling_subtrees_apart(taxonomy):
    womens = taxonomy.category("Shoes", "Women's shoes")
    assert ("Material", "leather") in _pairs(womens)
    assert ("Material", "canvas") not in _pairs(womens)
    assert not any(attribute == "Shoe size (cm)" for attribute, _ in _pairs(womens))


def test_it_includes_values_added_later_under_a_star_but_not_under_a_subset(taxonomy):
    green = AttributeValue.objects.create(attribute=taxonomy.value("Color", "red").attribute, name="green")

    assert green.pk in relevant_value_ids(taxonomy.category("Shoes", "Men's shoes", "Sneakers").pk)
    assert green.pk not in relevant_value_ids(taxonomy.category("TVs").pk)


def test_it_sees_a_changed_assignment_at_once(taxonomy):
    tvs = taxonomy.category("TVs")
    assignment = CategoryAttribute.objects.get(category=tvs, attribute__name="Color")
    assignment.values.add(taxonomy.value("Color", "red"))

    assert ("Color", "red") in _pairs(tvs)

    assignment.delete()
    assert not any(attribute == "Color" for attribute, _ in _pairs(tvs))


def test_it_sees_a_moved_category_at_once(taxonomy):
    womens = taxonomy.category("Shoes", "Women's shoes")
    womens.parent = None
    womens.save()

    assert _pairs(womens) == {("Material", "leather")}


def test_it_costs_one_query_while_the_taxonomy_is_unchanged(taxonomy, django_assert_num_queries):
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    relevant_value_ids(sneakers.pk)

    with django_assert_num_queries(1):
        relevant_value_ids(sneakers.pk)


def test_it_answers_for_many_categories_at_once(taxonomy):
    ids = list(Category.objects.values_list("pk", flat=True))
    by_category = relevant_value_ids_for(ids)
    assert set(by_category) == set(ids)
    assert all(by_category[c] == relevant_value_ids(c) for c in ids)


def test_it_gives_nothing_to_an_unknown_category(taxonomy):
    assert relevant_value_ids(10**9) == frozenset()


def test_it_indexes_a_deep_and_wide_taxonomy(db):
    from taxonomy.importing import import_taxonomy

    from ..conftest import taxonomy_file

    document = {
        "attributes": [{"name": f"A{i}", "values": [{"name": f"v{j}"} for j in range(20)]} for i in range(50)],
        "categories": [{"path": ["Top"], "attributes": {"A0": "*"}}]
        + [
            {"path": ["Top", f"C{i}", f"D{i % 7}", f"E{i}"], "attributes": {f"A{i % 50}": ["v1", "v2"]}}
            for i in range(1500)
        ],
    }
    import_taxonomy(taxonomy_file(document))

    index = relevance_index()
    leaf = Category.objects.get(name="E77")
    assert len(index.by_category) == Category.objects.count() == 1 + 1500 * 3
    assert len(index.value_ids(leaf.pk)) == 20 + 2


def _library_relevance(document) -> dict:
    """(category path -> relevant pairs) as the model's label space computes it."""
    from ml.xmc.labels import LabelSpace

    space = LabelSpace.from_taxonomy(document)
    return {path: {space.labels[i] for i in space.relevant(c)} for c, path in enumerate(space.categories)}


def _database_relevance() -> dict:
    from taxonomy.names import split_path_key

    index = relevance_index()
    return {tuple(split_path_key(key)): set(index.pairs(pk)) for pk, key in Category.objects.values_list("pk", "path_key")}


def test_the_database_and_the_model_agree_on_every_categorys_relevant_labels(taxonomy):
    from taxonomy.exporting import taxonomy_document

    from ..conftest import SMALL_TAXONOMY

    # A value added to an attribute assigned with "*" after the import: both must see it.
    color = AttributeValue.objects.filter(attribute__name="Color").first().attribute
    AttributeValue.objects.create(attribute=color, name="green")

    database = _database_relevance()
    assert database == _library_relevance(taxonomy_document())
    # and on the file itself, before the edit, for every category the file names
    original = _library_relevance(SMALL_TAXONOMY)
    assert {path: pairs - {("Color", "green")} for path, pairs in database.items()} == original
