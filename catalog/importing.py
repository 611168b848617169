"""Import products from JSONL (docs/formats.md, "Products") or CSV (catalog/csvfiles.py) into the
catalogue.

`import_products(file, ...)` reads a binary, seekable file twice:
1. validation, streaming line by line: every problem (not UTF-8, invalid JSON, missing or
   unknown field, text over the limits of catalog/limits.py or that the database cannot hold,
   unknown category, unknown or irrelevant label, duplicate id, a seller the importer may not
   write) is collected with its line number; any problem refuses the whole file (FileRefused);
2. writing, streaming again in batches of bulk operations (new rows by COPY on PostgreSQL,
   catalog/bulk.py), inside one transaction.
Memory holds one batch, the checks of up to MEMO_SIZE distinct label pairs and category
paths, and 8 bytes per line, never the file: while validating, a digest of each line's
(seller, id) in arrays (to find duplicate ids once the file is read; as dict entries they took
about 100 bytes a line, docs/benchmarks.md "Scale"); while writing, the id of each product
created or changed (for the signal, catalog/signals.py). A file with duplicate ids is then
refused after a second validating reading, which reports each copy with the line of the first
and holds a line number per repeated id only.

Semantics (upsert by (seller, id); importing the same file twice changes nothing):
- a product not in the catalogue is created; an existing one gets the file's category, title
  and description;
- the file is the truth for the *imported* labels of the products it lists: imported labels
  that the line no longer gives are removed; labels entered by the seller or accepted from
  suggestions are kept (a pair the line gives that the product already carries keeps its
  source);
- a product whose category changes loses the labels the new category does not allow;
- products the file does not list are left alone.
`products_changed` is sent after commit for every product created or changed.
"""
import hashlib
import json
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.db_locks import lock_names
from taxonomy.models import Attribute, Category
from taxonomy.names import normalize_name, path_key
from taxonomy.problems import FileRefused, Problem, Problems, unknown_key
from taxonomy.relevance import relevance_index

from . import bulk
from .bulk import existing_products, insert_labels, insert_products
from .csvfiles import csv_records, not_utf8
from .limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_EXTERNAL_ID_CHARS,
    MAX_LABELS_PER_PRODUCT,
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
    text_problem,
)
from .models import LabelSource, Product, ProductLabel, Seller
from .signals import send_products_changed

# Rows per round of bulk queries: large enough that per-query overhead vanishes (31k products
# in about 32 rounds), small enough that one batch's rows and labels stay a few MB.
BATCH_SIZE = 1000
SELLER_SLUG_MAX = Seller._meta.get_field("slug").max_length
# The keys of a product line (docs/formats.md). Any other is refused: a misspelt "lables" taken as
# absent would remove the product's imported labels.
PRODUCT_KEYS = ("id", "category", "title", "description", "labels", "seller")
# A JSONL line longer than this is refused unread: a product within the limits of
# catalog/limits.py cannot be (about 300,000 characters at most, 3.6 MB even if every one is
# written as a \uXXXX\uXXXX escape), and reading on would hold a 50 MB line in memory.
MAX_LINE_BYTES = 8 * 1024 * 1024
# Bytes read at a time while skipping the rest of a line over MAX_LINE_BYTES.
SKIP_CHUNK_BYTES = 1024 * 1024
# The digests of (seller, id) are kept in this many arrays, by their top bits, so that duplicates
# are found with a set of one array at a time: 2M lines make arrays of about 8,000 digests.
DIGEST_BUCKETS = 256
DIGEST_BUCKET_SHIFT = 64 - 8  # _digest is 64 bits; its top 8 choose one of the 256


@dataclass
class ProductImportResult:
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    labels_added: int = 0
    labels_removed: int = 0
    sellers_created: int = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass(frozen=True)
class _Row:
    line: int
    seller: str
    external_id: str
    category_id: int
    title: str
    description: str
    value_ids: frozenset


# Distinct label pairs and category paths as written whose checks _Reader keeps: a few MB in
# practice (the paper's taxonomy has 7,979 pairs), about 25 MB with every name at its limit.
MEMO_SIZE = 20_000


@dataclass
class _Reader:
    """Turns lines into rows, checking them against the taxonomy."""

    default_seller: str | None = None
    only_seller: str | None = None
    file_format: str = "jsonl"
    categories: dict = field(default_factory=dict)
    attributes: set = field(default_factory=set)

    def __post_init__(self):
        self.categories = dict(Category.objects.values_list("path_key", "id"))
        self.attributes = set(Attribute.objects.values_list("name", flat=True))
        self.index = relevance_index()
        self._label_memo = {}
        self._category_memo = {}

    def lines(self, file, problems, on_progress=None):
        """Yield (line number, product dict) for every product of the file that parses."""
        if self.file_format == "csv":
            return csv_records(file, problems, self.attributes, on_progress, progress_every=BATCH_SIZE)
        return self._jsonl_lines(file, problems, on_progress)

    def _jsonl_lines(self, file, problems, on_progress=None):
        file.seek(0)
        position = 0
        for number, (raw, size) in enumerate(_bounded_lines(file), 1):
            position += size
            if on_progress and number % BATCH_SIZE == 0:
                on_progress(position)
            if raw is None:
                problems.add(number, None, f"line of {size:,} bytes, longer than any product can be ({MAX_LINE_BYTES:,} bytes); not read")
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                problems.add(number, None, not_utf8(raw, error))
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as error:
                problems.add(number, None, f"invalid JSON: {error.msg} (column {error.colno})")
                continue
            except RecursionError:
                problems.add(number, None, "invalid JSON: nested too deeply (a product line is a few levels deep)")
                continue
            if not isinstance(obj, dict):
                problems.add(number, None, "must be a JSON object (one product per line)")
                continue
            yield number, obj
        if on_progress:
            on_progress(position)

    def row(self, number, obj, problems) -> _Row | None:
        before = problems.total
        for key in obj:
            if key not in PRODUCT_KEYS:
                problems.add(number, key, unknown_key(key, PRODUCT_KEYS))
        external_id = self._string(number, obj, "id", problems, max_length=MAX_EXTERNAL_ID_CHARS)
        title = self._string(number, obj, "title", problems, max_length=MAX_TITLE_CHARS)
        description = obj.get("description") or ""
        if not isinstance(description, str):
            problems.add(number, "description", "must be a string")
        elif problem := text_problem(description, MAX_DESCRIPTION_CHARS):
            problems.add(number, "description", problem)
        seller = self._seller(number, obj, problems)
        category_id = self._category(number, obj, problems)
        value_ids = self._labels(number, obj, category_id, problems)
        if problems.total > before:
            return None
        return _Row(number, seller, external_id, category_id, title, description, value_ids)

    @staticmethod
    def _string(number, obj, key, problems, max_length=None):
        value = obj.get(key)
        if key not in obj:
            problems.add(number, key, "missing field")
        elif not isinstance(value, str) or not value.strip():
            problems.add(number, key, "must be a non-empty string")
        elif problem := text_problem(value, max_length):
            problems.add(number, key, problem)
        else:
            return value
        return None

    def _seller(self, number, obj, problems):
        seller = obj.get("seller")
        if seller is None:
            seller = self.default_seller
            if seller is None:
                problems.add(number, "seller", "missing field (the line names no seller and none was given for the file)")
                return None
        elif not isinstance(seller, str):
            problems.add(number, "seller", "must be a string")
            return None
        if problem := text_problem(seller, SELLER_SLUG_MAX):
            problems.add(number, "seller", problem)
            return None
        try:
            validate_unicode_slug(seller)
        except ValidationError:
            problems.add(number, "seller", f"{seller!r} is not a valid seller slug (letters, digits, - and _)")
            return None
        if self.only_seller is not None and seller != self.only_seller:
            problems.add(number, "seller", f"you may import products of seller {self.only_seller!r} only, not {seller!r}")
            return None
        return seller

    def _category(self, number, obj, problems):
        path = obj.get("category")
        if "category" not in obj:
            problems.add(number, "category", "missing field")
            return None
        if not isinstance(path, list) or not path or not all(isinstance(p, str) for p in path):
            problems.add(number, "category", "must be a non-empty list of category names, top first")
            return None
        key = tuple(path)
        if key in self._category_memo:
            category_id = self._category_memo[key]
        else:
            if not self._category_names_fit(number, path, problems):
                return None
            category_id = self.categories.get(path_key(path))
            if len(self._category_memo) < MEMO_SIZE:
                self._category_memo[key] = category_id
        if category_id is None:
            problems.add(number, "category", f"unknown category {' > '.join(path)!r}")
        return category_id

    @staticmethod
    def _category_names_fit(number, path, problems) -> bool:
        fit = True
        for k, part in enumerate(path):
            if problem := text_problem(part, MAX_NAME_CHARS):
                problems.add(number, f"category[{k}]", problem)
                fit = False
        return fit

    def _resolve_label(self, attribute_name: str, value_name: str) -> tuple:
        """(problem, attribute, value, value id) of a pair as written. The same few thousand
        pairs recur on millions of lines: each is checked and normalised once (up to
        MEMO_SIZE distinct pairs, so that a file of all-different pairs holds no more)."""
        key = (attribute_name, value_name)
        resolved = self._label_memo.get(key)
        if resolved is None:
            problem = text_problem(attribute_name, MAX_NAME_CHARS) or text_problem(value_name, MAX_NAME_CHARS)
            if problem:
                resolved = (problem, None, None, None)
            else:
                attribute, value = normalize_name(attribute_name), normalize_name(value_name)
                resolved = (None, attribute, value, self.index.ids.get((attribute, value)))
            if len(self._label_memo) < MEMO_SIZE:
                self._label_memo[key] = resolved
        return resolved

    def _labels(self, number, obj, category_id, problems) -> frozenset:
        labels = obj.get("labels", [])
        if not isinstance(labels, list):
            problems.add(number, "labels", "must be a list of [attribute, value] pairs")
            return frozenset()
        if len(labels) > MAX_LABELS_PER_PRODUCT:
            problems.add(number, "labels", f"{len(labels):,} labels, more than the {MAX_LABELS_PER_PRODUCT} a product may have")
            return frozenset()
        relevant = self.index.value_ids(category_id) if category_id else None
        value_ids = set()
        for i, label in enumerate(labels):
            where = f"labels[{i}]"
            if not (isinstance(label, list) and len(label) == 2 and all(isinstance(x, str) for x in label)):
                problems.add(number, where, "must be an [attribute, value] pair of strings")
                continue
            problem, attribute, value, value_id = self._resolve_label(label[0], label[1])
            if problem:
                problems.add(number, where, problem)
                continue
            if attribute not in self.attributes:
                problems.add(number, where, f"unknown attribute {attribute!r}")
            elif value_id is None:
                problems.add(number, where, f"unknown value {value!r} of attribute {attribute!r}")
            elif relevant is not None and value_id not in relevant:
                shown = " > ".join(obj["category"])
                problems.add(number, where, f"label {attribute}: {value} is not relevant to category {shown!r}")
            else:
                value_ids.add(value_id)
        return frozenset(value_ids)


def _bounded_lines(file):
    """Yield (line, its size in bytes) of a binary file; (None, size) for a line over
    MAX_LINE_BYTES, which is skipped without being held in memory."""
    while raw := file.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES:
            yield raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n") and (raw := file.readline(SKIP_CHUNK_BYTES)):
            size += len(raw)
        yield None, size


def file_format_of(name: str) -> str:
    """The format a file name suggests: CSV for .csv, JSONL otherwise."""
    return "csv" if str(name).lower().endswith(".csv") else "jsonl"


def import_products(
    file,
    *,
    name="products.jsonl",
    file_format="jsonl",
    default_seller=None,
    only_seller=None,
    user=None,
    create_sellers=True,
    on_progress=None,
) -> ProductImportResult:
    """Validate then write a products file (a binary, seekable file object).

    file_format: "jsonl" (docs/formats.md) or "csv" (catalog/csvfiles.py).
    default_seller: slug for lines that name none. only_seller: refuse lines of any other
    seller (a seller importing their own products). create_sellers: create sellers the file
    names that do not exist yet (otherwise they are problems). on_progress(phase, bytes_read):
    called now and then with phase "validate" or "write". Raises FileRefused.
    """
    if file_format not in ("jsonl", "csv"):
        raise ValueError(f"unknown products file format {file_format!r}")
    reader = _Reader(default_seller=default_seller, only_seller=only_seller, file_format=file_format)
    sellers = _validate(file, name, reader, create_sellers, on_progress)
    result = ProductImportResult()
    try:
        with transaction.atomic():
            # Imports naming the same sellers take turns: the second reads what the first
            # wrote (its lines are then unchanged) instead of inserting the same products.
            lock_names(*(f"catalog.import:{slug}" for slug in sellers))
            seller_ids = _ensure_sellers(sellers, result)
            _write(file, name, reader, seller_ids, user, result, on_progress)
    except IntegrityError:
        # Another import or edit created some of the same products (or sellers) between our
        # read and our insert; the whole file was rolled back and can simply be sent again.
        reason = "another import or edit wrote some of these products at the same time; nothing was imported, try again"
        raise FileRefused(name, [Problem(None, None, reason)], 1) from None
    if result.created + result.updated + result.labels_added + result.labels_removed >= bulk.ANALYZE_AFTER_ROWS:
        bulk.refresh_planner_statistics()
    return result


def _validate(file, name, reader, create_sellers, on_progress) -> set:
    progress = (lambda n: on_progress("validate", n)) if on_progress else None
    digests = [array("Q") for _ in range(DIGEST_BUCKETS)]
    problems, sellers = _check_lines(file, reader, progress, digests=digests)
    if repeated := _repeated(digests):
        # The file is refused. Read it again to report each copy with the line of the first,
        # in the file's order among the other problems: the first reading kept no line numbers.
        problems, sellers = _check_lines(file, reader, progress, repeated=repeated)
    if not create_sellers:
        known = set(Seller.objects.filter(slug__in=sellers).values_list("slug", flat=True))
        for slug in sorted(sellers - known):
            problems.add(None, "seller", f"unknown seller {slug!r}")
    problems.raise_if_any(name)
    return sellers


def _check_lines(file, reader, progress, digests=None, repeated=frozenset()) -> tuple[Problems, set]:
    """Check every line: (problems, sellers of the valid lines). The digest of each line's
    (seller, id) goes to `digests` (DIGEST_BUCKETS arrays, by its top bits); a line whose digest
    is in `repeated` and came before is a duplicate."""
    problems, sellers, first_line = Problems(), set(), {}
    for number, obj in reader.lines(file, problems, progress):
        row = reader.row(number, obj, problems)
        # A line with other problems still claims its id, so a later copy is reported too.
        seller, external_id = obj.get("seller", reader.default_seller), obj.get("id")
        if isinstance(seller, str | None) and isinstance(external_id, str):
            key = _digest(seller, external_id)
            if digests is not None:
                digests[key >> DIGEST_BUCKET_SHIFT].append(key)
            if key in repeated:
                if key in first_line:
                    problems.add(number, "id", f"duplicate id {external_id!r} (first on line {first_line[key]})")
                    continue
                first_line[key] = number
        if row is not None:
            sellers.add(row.seller)
    return problems, sellers


def _repeated(digests) -> set:
    """The digests found more than once; empties `digests`. A set of one bucket at a time (a
    few thousand digests for millions of lines) instead of one of the whole file."""
    repeated = set()
    while digests:
        bucket = digests.pop()
        if len(set(bucket)) < len(bucket):
            seen = set()
            for key in bucket:
                if key in seen:
                    repeated.add(key)
                seen.add(key)
    return repeated


def _digest(seller, external_id) -> int:
    # 8 bytes per product instead of two strings: memory stays small for files of millions
    # of lines. Two different ids share a digest with odds of about n²/2⁶⁵ (10⁻⁸ for a
    # million lines); the file would then be refused, never wrongly written.
    text = f"{seller}\x1f{external_id}".encode("utf-8", "surrogatepass")  # a lone surrogate is a problem, not a crash
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def _ensure_sellers(slugs, result) -> dict:
    existing = dict(Seller.objects.filter(slug__in=slugs).values_list("slug", "id"))
    missing = sorted(set(slugs) - set(existing))
    Seller.objects.bulk_create([Seller(slug=slug, name=slug) for slug in missing])
    result.sellers_created = len(missing)
    return dict(Seller.objects.filter(slug__in=slugs).values_list("slug", "id"))


def _write(file, name, reader, seller_ids, user, result, on_progress):
    problems = Problems()
    changed_ids = array("q")
    batch = []
    now = timezone.now()
    progress = (lambda n: on_progress("write", n)) if on_progress else None
    for number, obj in reader.lines(file, problems, progress):
        row = reader.row(number, obj, problems)
        if row is not None:
            batch.append(row)
        if len(batch) >= BATCH_SIZE:
            changed_ids.extend(_write_batch(batch, seller_ids, reader, user, now, result))
            batch = []
    if batch:
        changed_ids.extend(_write_batch(batch, seller_ids, reader, user, now, result))
    # The file was valid a moment ago; only a concurrent taxonomy change makes it invalid now.
    problems.raise_if_any(name)
    send_products_changed(changed_ids)  # kept as it is until commit: 8 bytes a product


def _write_batch(rows, seller_ids, reader, user, now, result) -> list[int]:
    """Upsert one batch of products and their imported labels; return the ids that changed."""
    result.lines += len(rows)
    existing = existing_products([(seller_ids[row.seller], row.external_id) for row in rows])

    new, changed, moved = [], [], set()
    for row in rows:
        found = existing.get((seller_ids[row.seller], row.external_id))
        if found is None:
            new.append((seller_ids[row.seller], row.external_id, row.category_id, row.title, row.description))
        elif found[1:] != (row.category_id, row.title, row.description):
            changed.append(Product(
                id=found[0], category_id=row.category_id, title=row.title, description=row.description, updated_at=now
            ))
            if found[1] != row.category_id:
                moved.add(found[0])
    new_ids = insert_products(new)
    Product.objects.bulk_update(changed, ["category_id", "title", "description", "updated_at"])
    result.created += len(new)
    result.updated += len(changed)

    product_ids = {(seller_id, external_id): product_id for (seller_id, external_id, *_), product_id in zip(new, new_ids)}
    product_ids.update({key: found[0] for key, found in existing.items()})
    touched = set(new_ids) | {p.id for p in changed}
    touched |= _write_labels(rows, seller_ids, product_ids, existing, moved, reader, user, result)
    result.unchanged += len(rows) - len(new) - len(changed)
    return sorted(touched)


def _write_labels(rows, seller_ids, product_ids, existing, moved, reader, user, result) -> set:
    current = defaultdict(dict)  # product id -> {value id: (label id, source)}
    old_ids = [found[0] for found in existing.values()]
    for label_id, product_id, value_id, source in ProductLabel.objects.filter(product_id__in=old_ids).values_list(
        "id", "product_id", "value_id", "source"
    ):
        current[product_id][value_id] = (label_id, source)
    to_add, to_remove, touched = [], [], set()
    for row in rows:
        product_id = product_ids[(seller_ids[row.seller], row.external_id)]
        have = current.get(product_id, {})
        relevant = reader.index.value_ids(row.category_id)
        for value_id in sorted(row.value_ids - have.keys()):
            to_add.append((product_id, value_id, LabelSource.IMPORT.value, user.pk if user else None))
            touched.add(product_id)
        for value_id, (label_id, source) in have.items():
            dropped_by_file = source == LabelSource.IMPORT and value_id not in row.value_ids
            dropped_by_move = product_id in moved and value_id not in relevant
            if dropped_by_file or dropped_by_move:
                to_remove.append(label_id)
                touched.add(product_id)
    insert_labels(to_add)
    ProductLabel.objects.filter(id__in=to_remove).delete()
    result.labels_added += len(to_add)
    result.labels_removed += len(to_remove)
    return touched
