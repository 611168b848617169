"""Export the taxonomy as `taxonomy.json` (docs/formats.md, "Taxonomy").

The output is deterministic (attributes, values, aliases and categories sorted), so that
export -> import -> export gives the same bytes. A category is listed when it has pairs of its
own or is a leaf; inner categories without pairs are implied by their children's paths.
"""
import json
from collections import defaultdict

from .models import Attribute, AttributeValue, Category, CategoryAttribute
from .names import PATH_SEPARATOR

ALL_VALUES = "*"


def taxonomy_document() -> dict:
    return {"attributes": _attributes(), "categories": _categories()}


def export_taxonomy(out) -> None:
    """Write the taxonomy as JSON to a text stream."""
    json.dump(taxonomy_document(), out, ensure_ascii=False, indent=1)
    out.write("\n")


def _attributes() -> list:
    values = defaultdict(list)
    for attribute_id, name, aliases in AttributeValue.objects.order_by("name").values_list(
        "attribute_id", "name", "aliases"
    ):
        entry = {"name": name}
        if aliases:
            entry["aliases"] = sorted(aliases)
        values[attribute_id].append(entry)
    return [
        {"name": name, "values": values[attribute_id]}
        for attribute_id, name in Attribute.objects.order_by("name").values_list("id", "name")
    ]


def _categories() -> list:
    value_names = defaultdict(list)
    for assignment_id, name in CategoryAttribute.values.through.objects.values_list(
        "categoryattribute_id", "attributevalue__name"
    ):
        value_names[assignment_id].append(name)
    assigned = defaultdict(dict)
    for assignment_id, category_id, attribute, all_values in CategoryAttribute.objects.order_by(
        "attribute__name"
    ).values_list("id", "category_id", "attribute__name", "all_values"):
        assigned[category_id][attribute] = ALL_VALUES if all_values else sorted(value_names[assignment_id])
    parents = set(Category.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
    return [
        {"path": key.split(PATH_SEPARATOR), "attributes": assigned.get(category_id, {})}
        for category_id, key in Category.objects.order_by("path_key").values_list("id", "path_key")
        if category_id in assigned or category_id not in parents
    ]
