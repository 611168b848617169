"""Import `taxonomy.json` (docs/formats.md, "Taxonomy") into the database.

`import_taxonomy(file)` validates the whole document first and raises FileRefused listing every
problem with its line; only a valid file is written, in one transaction.

Semantics (upsert by natural keys; importing the same file twice changes nothing):
- attributes (by name), values (by attribute and name) and categories (by path) are created
  when missing; the import never deletes any of them (products may use them);
- the aliases of a value listed in the file become exactly the file's (none when absent);
- the pairs assigned to a category listed in the file become exactly the file's: pairs the
  category had but the file does not give it are removed. Categories not listed keep theirs.
"""
import bisect
import json
import json.decoder
import json.scanner
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from config.db_locks import lock_names

from .limits import MAX_ALIASES_PER_VALUE, name_problem
from .models import Attribute, AttributeValue, Category, CategoryAttribute, path_key_problem
from .names import PATH_SEPARATOR, normalize_name, path_key
from .problems import Problems, unknown_key
from .signals import bump_revision, taxonomy_imported

ALL_VALUES = "*"
# The keys each level of the file may have (docs/formats.md); any other key is refused.
DOCUMENT_KEYS = ("attributes", "categories")
ATTRIBUTE_KEYS = ("name", "values")
VALUE_KEYS = ("name", "aliases")
CATEGORY_KEYS = ("path", "attributes")


@dataclass
class TaxonomyImportResult:
    attributes_created: int = 0
    values_created: int = 0
    values_updated: int = 0
    categories_created: int = 0
    assignments_created: int = 0
    assignments_updated: int = 0
    assignments_deleted: int = 0

    @property
    def changed(self) -> bool:
        return any(vars(self).values())

    def as_dict(self) -> dict:
        return dict(vars(self))


class _Located(dict):
    """A JSON object that remembers the line it starts on."""

    line = None


def _locating_decoder(text: str):
    """A json decoder whose objects carry their line number (the C scanner cannot)."""
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, *args):
        start = s_and_end[1] - 1
        obj, end = json.decoder.JSONObject(s_and_end, *args)
        located = _Located(obj)
        located.line = bisect.bisect_right(newlines, start) + 1
        return located, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder


def decode_utf8(raw: bytes, problems: Problems) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        problems.add(line, None, f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded (the file must be UTF-8)")
        return None


def parse_taxonomy(raw: bytes, problems: Problems):
    text = decode_utf8(raw, problems)
    if text is None:
        return None
    try:
        return _locating_decoder(text).decode(text)
    except json.JSONDecodeError as error:
        problems.add(error.lineno, None, f"invalid JSON: {error.msg} (column {error.colno})")
        return None
    except RecursionError:
        # Lists or objects nested thousands deep: no taxonomy is, and the parser recurses.
        problems.add(None, None, "invalid JSON: nested too deeply (a taxonomy is a few levels deep)")
        return None


@dataclass
class _Plan:
    """The validated content of a file, with names normalised."""

    # attribute name -> {value name: sorted aliases}
    attributes: dict
    # category path key -> {attribute name: ALL_VALUES or set of value names}
    categories: dict


def _name(obj, key, problems, field):
    value = obj.get(key)
    if not isinstance(value, str) or not normalize_name(value):
        reason = "missing field" if key not in obj else "must be a non-empty string"
        problems.add(obj.line, field, reason)
        return None
    return _checked_name(value, obj.line, field, problems)


def _checked_name(value: str, line, field, problems) -> str | None:
    """The normalised name, or None with a problem when it cannot be stored (NUL, lone
    surrogate, longer than the 255-character columns once normalised)."""
    problem = name_problem(value)
    if problem:
        problems.add(line, field, problem)
        return None
    return normalize_name(value)


def _unknown_keys(obj, known, prefix, problems):
    for key in obj:
        if key not in known:
            problems.add(obj.line, f"{prefix}{key}", unknown_key(key, known))


def _validate_attributes(items, problems) -> dict:
    attributes = {}
    first_line = {}
    for i, item in enumerate(items):
        field = f"attributes[{i}]"
        if not isinstance(item, dict):
            problems.add(None, field, "must be an object")
            continue
        _unknown_keys(item, ATTRIBUTE_KEYS, f"{field}.", problems)
        name = _name(item, "name", problems, f"{field}.name")
        values = item.get("values", [])
        if not isinstance(values, list):
            problems.add(item.line, f"{field}.values", "must be a list")
            values = []
        # Values are checked even under a bad name, so that one pass reports every problem.
        checked_values = _validate_values(values, field, name, problems)
        if name is None:
            continue
        if name in attributes:
            problems.add(item.line, f"{field}.name", f"duplicate attribute {name!r} (first on line {first_line[name]})")
            continue
        first_line[name] = item.line
        attributes[name] = checked_values
    return attributes


def _validate_values(items, field, attribute, problems) -> dict:
    values = {}
    for j, item in enumerate(items):
        value_field = f"{field}.values[{j}]"
        if not isinstance(item, dict):
            problems.add(None, value_field, "must be an object")
            continue
        _unknown_keys(item, VALUE_KEYS, f"{value_field}.", problems)
        name = _name(item, "name", problems, f"{value_field}.name")
        aliases = _aliases(item, f"{value_field}.aliases", problems)
        if name is None:
            continue
        if name in values:
            problems.add(item.line, f"{value_field}.name", f"duplicate value {name!r} of attribute {attribute!r}")
            continue
        values[name] = aliases
    return values


def _aliases(item, field, problems) -> list[str]:
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        problems.add(item.line, field, "must be a list of strings")
        return []
    if len(aliases) > MAX_ALIASES_PER_VALUE:
        problems.add(item.line, field, f"{len(aliases):,} aliases, more than the {MAX_ALIASES_PER_VALUE} a value may have")
        return []
    names = [_checked_name(alias, item.line, f"{field}[{k}]", problems) for k, alias in enumerate(aliases)]
    return sorted({name for name in names if name})


def _validate_categories(items, attributes, problems) -> dict:
    known = _known_values(attributes)
    categories = {}
    first_line = {}
    for i, item in enumerate(items):
        field = f"categories[{i}]"
        if not isinstance(item, dict):
            problems.add(None, field, "must be an object")
            continue
        _unknown_keys(item, CATEGORY_KEYS, f"{field}.", problems)
        key = _path(item, f"{field}.path", problems)
        if key is None:
            continue
        if key in categories:
            shown = " > ".join(key.split(PATH_SEPARATOR))
            problems.add(item.line, f"{field}.path", f"duplicate category {shown!r} (first on line {first_line[key]})")
            continue
        first_line[key] = item.line
        categories[key] = _validate_assignments(item, field, known, problems)
    return categories


def _path(item, field, problems) -> str | None:
    """The category's path key, or None with a problem."""
    path = item.get("path")
    if not isinstance(path, list) or not path or not all(isinstance(p, str) and normalize_name(p) for p in path):
        reason = "missing field" if "path" not in item else "must be a non-empty list of non-empty names"
        problems.add(item.line, field, reason)
        return None
    names = [_checked_name(part, item.line, f"{field}[{k}]", problems) for k, part in enumerate(path)]
    if None in names:
        return None
    key = path_key(names)
    problem = path_key_problem(key)
    if problem:
        problems.add(item.line, field, problem)
        return None
    return key


def _known_values(attributes) -> dict:
    """Attribute name -> value names, from the file and the database together."""
    known = defaultdict(set)
    for attribute, value in AttributeValue.objects.values_list("attribute__name", "name"):
        known[attribute].add(value)
    for name in Attribute.objects.values_list("name", flat=True):
        known.setdefault(name, set())
    for attribute, values in attributes.items():
        known[attribute] |= set(values)
    return known


def _validate_assignments(item, field, known, problems) -> dict:
    given = item.get("attributes", {})
    if not isinstance(given, dict):
        problems.add(item.line, f"{field}.attributes", 'must be an object mapping attributes to "*" or a list of values')
        return {}
    assignments = {}
    for raw_attribute, raw_values in given.items():
        attribute = normalize_name(raw_attribute)
        attribute_field = f"{field}.attributes[{raw_attribute!r}]"
        if attribute not in known:
            problems.add(item.line, attribute_field, f"unknown attribute {attribute!r}")
            continue
        if raw_values == ALL_VALUES:
            assignments[attribute] = ALL_VALUES
            continue
        if not isinstance(raw_values, list) or not all(isinstance(v, str) for v in raw_values):
            problems.add(item.line, attribute_field, 'must be "*" or a list of value names')
            continue
        values = {normalize_name(value) for value in raw_values}
        for value in sorted(values - known[attribute]):
            problems.add(item.line, attribute_field, f"unknown value {value!r} of attribute {attribute!r}")
        assignments[attribute] = values
    return assignments


def validate_taxonomy(raw: bytes, problems: Problems) -> _Plan | None:
    document = parse_taxonomy(raw, problems)
    if document is None:
        return None
    if not isinstance(document, dict):
        problems.add(1, None, "the file must hold one JSON object with 'attributes' and 'categories'")
        return None
    _unknown_keys(document, DOCUMENT_KEYS, "", problems)
    for key in DOCUMENT_KEYS:
        if key not in document:
            problems.add(document.line, key, "missing field")
        elif not isinstance(document[key], list):
            problems.add(document.line, key, "must be a list")
    attributes = _validate_attributes(_list(document, "attributes"), problems)
    categories = _validate_categories(_list(document, "categories"), attributes, problems)
    return _Plan(attributes, categories)


def _list(document, key):
    value = document.get(key)
    return value if isinstance(value, list) else []


def import_taxonomy(file, name: str = "taxonomy.json") -> TaxonomyImportResult:
    """Validate then write a taxonomy file (a binary file object). Raises FileRefused."""
    problems = Problems()
    plan = validate_taxonomy(file.read(), problems)
    problems.raise_if_any(name)
    with transaction.atomic():
        # Taxonomy imports take turns: the second compares its file with what the first wrote
        # instead of inserting the same attributes and values again.
        lock_names("taxonomy.import")
        result = _write(plan)
        if result.changed:
            bump_revision()
            transaction.on_commit(lambda: taxonomy_imported.send(sender=TaxonomyImportResult))
    return result


def _write(plan: _Plan) -> TaxonomyImportResult:
    result = TaxonomyImportResult()
    attribute_ids = _write_attributes(plan, result)
    value_ids = _write_values(plan, attribute_ids, result)
    category_ids = _write_categories(plan, result)
    _write_assignments(plan, attribute_ids, value_ids, category_ids, result)
    return result


def _write_attributes(plan, result) -> dict:
    existing = dict(Attribute.objects.values_list("name", "id"))
    needed = set(plan.attributes) | {a for assignments in plan.categories.values() for a in assignments}
    missing = sorted(needed - set(existing))
    Attribute.objects.bulk_create([Attribute(name=name) for name in missing], batch_size=1000)
    result.attributes_created = len(missing)
    return dict(Attribute.objects.values_list("name", "id"))


def _write_values(plan, attribute_ids, result) -> dict:
    """Create and update values; return (attribute name, value name) -> id of all values."""
    existing = {
        (attribute, name): (value_id, aliases)
        for value_id, attribute, name, aliases in AttributeValue.objects.values_list(
            "id", "attribute__name", "name", "aliases"
        )
    }
    to_create, to_update = [], []
    for attribute, values in plan.attributes.items():
        for name, aliases in values.items():
            found = existing.get((attribute, name))
            if found is None:
                to_create.append(AttributeValue(attribute_id=attribute_ids[attribute], name=name, aliases=aliases))
            elif sorted(found[1]) != aliases:
                to_update.append(AttributeValue(id=found[0], aliases=aliases))
    AttributeValue.objects.bulk_create(to_create, batch_size=1000)
    AttributeValue.objects.bulk_update(to_update, ["aliases"], batch_size=1000)
    result.values_created, result.values_updated = len(to_create), len(to_update)
    return {
        (attribute, name): value_id
        for value_id, attribute, name in AttributeValue.objects.values_list("id", "attribute__name", "name")
    }


def _write_categories(plan, result) -> dict:
    existing = dict(Category.objects.values_list("path_key", "id"))
    wanted = set()
    for key in plan.categories:
        parts = key.split(PATH_SEPARATOR)
        wanted.update(PATH_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts)))
    missing = sorted(wanted - set(existing), key=lambda k: (k.count(PATH_SEPARATOR), k))
    # Level by level, so that each new category's parent already has its id.
    by_depth = defaultdict(list)
    for key in missing:
        by_depth[key.count(PATH_SEPARATOR)].append(key)
    for depth in sorted(by_depth):
        new = []
        for key in by_depth[depth]:
            parent_key, _, name = key.rpartition(PATH_SEPARATOR)
            new.append(Category(name=name, path_key=key, depth=depth, parent_id=existing.get(parent_key)))
        Category.objects.bulk_create(new, batch_size=1000)
        existing.update(Category.objects.filter(path_key__in=by_depth[depth]).values_list("path_key", "id"))
    result.categories_created = len(missing)
    return existing


def _write_assignments(plan, attribute_ids, value_ids, category_ids, result):
    listed = {category_ids[key] for key in plan.categories}
    # (category id, attribute id) -> [assignment id, all_values, {value id: link row id}]
    current = {}
    for assignment_id, category_id, attribute_id, all_values in CategoryAttribute.objects.filter(
        category_id__in=listed
    ).values_list("id", "category_id", "attribute_id", "all_values"):
        current[(category_id, attribute_id)] = [assignment_id, all_values, {}]
    by_id = {row[0]: row for row in current.values()}
    through = CategoryAttribute.values.through
    for link_id, assignment_id, value_id in through.objects.filter(categoryattribute_id__in=list(by_id)).values_list(
        "id", "categoryattribute_id", "attributevalue_id"
    ):
        by_id[assignment_id][2][value_id] = link_id

    wanted = {}  # (category id, attribute id) -> None for "*", else the set of value ids
    for key, assignments in plan.categories.items():
        for attribute, values in assignments.items():
            ids = None if values == ALL_VALUES else {value_ids[(attribute, v)] for v in values}
            wanted[(category_ids[key], attribute_ids[attribute])] = ids

    stale = [row[0] for pair, row in current.items() if pair not in wanted]
    flipped, updated, add_links, remove_links = [], set(), [], []
    for pair, ids in wanted.items():
        if pair not in current:
            continue
        assignment_id, all_values, linked = current[pair]
        target = ids or set()
        if all_values != (ids is None):
            flipped.append(CategoryAttribute(id=assignment_id, all_values=ids is None))
            updated.add(assignment_id)
        if target != set(linked):
            add_links += [(assignment_id, v) for v in sorted(target - set(linked))]
            remove_links += [link_id for v, link_id in linked.items() if v not in target]
            updated.add(assignment_id)

    CategoryAttribute.objects.filter(id__in=stale).delete()
    created = CategoryAttribute.objects.bulk_create(
        [CategoryAttribute(category_id=c, attribute_id=a, all_values=ids is None)
         for (c, a), ids in wanted.items() if (c, a) not in current],
        batch_size=1000,
    )
    for assignment in created:
        add_links += [(assignment.id, v) for v in sorted(wanted[(assignment.category_id, assignment.attribute_id)] or ())]
    CategoryAttribute.objects.bulk_update(flipped, ["all_values"], batch_size=1000)
    through.objects.filter(id__in=remove_links).delete()
    through.objects.bulk_create(
        [through(categoryattribute_id=a, attributevalue_id=v) for a, v in add_links], batch_size=2000
    )
    result.assignments_created = len(created)
    result.assignments_updated = len(updated)
    result.assignments_deleted = len(stale)
