"""Import products from JSONL (docs/formats.md, "Products") or CSV (catalog/csvfiles.py) into the
catalogue.

`import_products(file, ...)` reads a binary, seekable file once, in one transaction:
- a thread of its own parses and checks each line: every problem (not UTF-8, invalid JSON,
  missing or unknown field, text over the limits of catalog/limits.py or that the database
  cannot hold, unknown category, unknown or irrelevant label, duplicate id, a seller the
  importer may not write) is collected with its line number;
- meanwhile the valid lines are written in batches of bulk operations (new rows by COPY on
  PostgreSQL, catalog/bulk.py), until a problem shows; from then on the file is only read.
Any problem refuses the whole file (FileRefused): the transaction is rolled back, so nothing of
it is kept. Checking and writing overlap, Python on one core and PostgreSQL on the other. Before,
a first reading only checked and a second one wrote; reading once took the 2M-product import
from 0.41 to 0.53 of COPY's rows/s (docs/benchmarks.md "Scale").
Memory holds a few batches, the checks of up to MEMO_SIZE distinct label pairs and category
paths, and 16 bytes per line, never the file: a digest of each line's (seller, id) in arrays
(to find duplicate ids once the file is read; as dict entries they took about 100 bytes a line)
and the id of each product created or changed (for the signal, catalog/signals.py). A file with
duplicate ids is then read a second time, which reports each copy with the line of the first
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
import queue
import threading
from array import array
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import IntegrityError, OperationalError, transaction
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
# in about 32 rounds), small enough that one batch's rows and labels stay a few MB. (Batches of
# 5,000 made no difference that two runs each at 100k products could tell.)
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
    """Check and write a products file (a binary, seekable file object), all or nothing.

    file_format: "jsonl" (docs/formats.md) or "csv" (catalog/csvfiles.py).
    default_seller: slug for lines that name none. only_seller: refuse lines of any other
    seller (a seller importing their own products). create_sellers: create sellers the file
    names that do not exist yet (otherwise they are problems). on_progress(phase, bytes_read):
    called now and then with phase "import" (the reading that checks and writes), or
    "duplicates" (a second reading of a file refused for duplicate ids). Raises FileRefused.
    """
    if file_format not in ("jsonl", "csv"):
        raise ValueError(f"unknown products file format {file_format!r}")
    reader = _Reader(default_seller=default_seller, only_seller=only_seller, file_format=file_format)
    result = ProductImportResult()
    try:
        with transaction.atomic():
            reading = _check_and_write(file, reader, user, create_sellers, result, on_progress)
            if reading.refused:
                # What was written before the first problem showed goes with the rollback.
                transaction.set_rollback(True)
    except (IntegrityError, OperationalError) as error:
        # Another import or edit created some of the same products (or sellers) between our
        # read and our insert, or two imports met the same sellers in different orders
        # (_Sellers) and PostgreSQL rolled this one back: the whole file was rolled back and can
        # simply be sent again.
        if isinstance(error, OperationalError) and not bulk.is_deadlock(error):
            raise
        raise FileRefused(name, [Problem(None, None, TRY_AGAIN)], 1) from None
    if reading.refused:
        _report_refusal(file, name, reader, reading, on_progress)
    if result.created + result.updated + result.labels_added + result.labels_removed >= bulk.ANALYZE_AFTER_ROWS:
        bulk.refresh_planner_statistics()
    return result


TRY_AGAIN = "another import or edit wrote some of these products at the same time; nothing was imported, try again"


@dataclass
class _Reading:
    """What the one reading of a file found against it: any of it refuses the file."""

    problems: Problems
    repeated: set  # digests of (seller, id) found on more than one line
    unknown_sellers: set

    @property
    def refused(self) -> bool:
        return bool(self.problems or self.repeated or self.unknown_sellers)


def _check_and_write(file, reader, user, create_sellers, result, on_progress) -> _Reading:
    """Read the file once: check every line, and write the valid lines batch by batch until a
    problem shows. The caller's transaction makes it all or nothing."""
    problems = Problems()
    digests = [array("Q") for _ in range(DIGEST_BUCKETS)]
    sellers = _Sellers(create_sellers, result)
    changed_ids = array("q")  # kept until commit: 8 bytes a product
    now = timezone.now()
    writing = True
    bulk.check_foreign_keys_per_statement()
    with _CheckedBatches(file, reader, problems, digests) as batches:
        for rows, position in batches:
            seller_ids = sellers.ids_of({row.seller for row in rows})
            # Once the file is sure to be refused, the rest is read for its problems only. Two
            # lines with one id in a batch would make its insert fail: the file is refused for
            # them once it is read (the digests).
            writing = writing and not problems and not sellers.unknown and _ids_are_distinct(rows)
            if writing:
                changed_ids.extend(_write_batch(rows, seller_ids, reader, user, now, result))
            if on_progress:
                on_progress("import", position)
    reading = _Reading(problems, _repeated(digests), sellers.unknown)
    if not reading.refused:
        send_products_changed(changed_ids)
    return reading


def _ids_are_distinct(rows) -> bool:
    return len({(row.seller, row.external_id) for row in rows}) == len(rows)


def _report_refusal(file, name, reader, reading, on_progress):
    problems = reading.problems
    if reading.repeated:
        # The first reading kept no line numbers. Read again to report each copy with the line
        # of the first, in the file's order among the other problems.
        problems = Problems()
        progress = (lambda n: on_progress("duplicates", n)) if on_progress else None
        for _row in _checked_rows(reader.lines(file, problems, progress), reader, problems, repeated=reading.repeated):
            pass
    for slug in sorted(reading.unknown_sellers):
        problems.add(None, "seller", f"unknown seller {slug!r}")
    problems.raise_if_any(name)


def _checked_rows(lines, reader, problems, digests=None, repeated=frozenset()):
    """The valid rows of `lines` ((line number, product dict) pairs); each problem goes to
    `problems`. The digest of each line's (seller, id) goes to `digests` (DIGEST_BUCKETS arrays,
    by its top bits); a line whose digest is in `repeated` and came before is a duplicate."""
    first_line = {}
    for number, obj in lines:
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
            yield row


# Checked batches waiting for the writer: memory holds these, the one being checked and the one
# being written.
QUEUED_BATCHES = 2
_END = object()


class _Stopped(Exception):
    """The writer stopped (it failed): the checking thread stops reading."""


class _CheckedBatches:
    """The file's valid rows, in batches of BATCH_SIZE each with the bytes read so far, read and
    checked by a thread of its own.

    Checking a line is Python (JSON, the taxonomy); writing a batch is mostly waiting for the
    database. In one thread they took turns; here the next batch is checked while PostgreSQL
    writes the last one, on the other core (docs/benchmarks.md "Scale"). The thread touches no
    database connection: the reader's taxonomy was loaded before it starts.
    """

    def __init__(self, file, reader, problems, digests):
        self._file, self._reader, self._problems, self._digests = file, reader, problems, digests
        self._position = 0
        self._queue = queue.Queue(maxsize=QUEUED_BATCHES)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="import-check", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def __iter__(self):
        while (item := self._queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    def _read(self):
        try:
            lines = self._reader.lines(self._file, self._problems, self._note_position)
            batch = []
            for row in _checked_rows(lines, self._reader, self._problems, self._digests):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    self._hand_over((batch, self._position))
                    batch = []
            self._hand_over((batch, self._position))
            self._hand_over(_END)
        except _Stopped:
            pass
        except BaseException as error:  # noqa: BLE001 - raised again in the writer's thread
            with suppress(_Stopped):
                self._hand_over(error)

    def _note_position(self, position):
        # Called every BATCH_SIZE lines, valid or not: a file of bad lines stops as soon too.
        if self._stop.is_set():
            raise _Stopped
        self._position = position

    def _hand_over(self, item):
        while True:
            if self._stop.is_set():
                raise _Stopped
            with suppress(queue.Full):
                self._queue.put(item, timeout=0.1)
                return


class _Sellers:
    """The ids of the sellers a file names, found (or created) and locked as they first appear."""

    def __init__(self, create: bool, result: ProductImportResult):
        self.create, self.result = create, result
        self.ids, self.unknown = {}, set()

    def ids_of(self, slugs: set) -> dict:
        new = sorted(slugs - self.ids.keys() - self.unknown)
        if new:
            # Imports naming the same sellers take turns: the second reads what the first
            # wrote (its lines are then unchanged) instead of inserting the same products. Two
            # imports that meet their sellers in different orders can deadlock: PostgreSQL
            # then rolls one back, which is refused as "try again" (import_products).
            lock_names(*(f"catalog.import:{slug}" for slug in new))
            found = dict(Seller.objects.filter(slug__in=new).values_list("slug", "id"))
            missing = [slug for slug in new if slug not in found]
            if missing and self.create:
                Seller.objects.bulk_create([Seller(slug=slug, name=slug) for slug in missing])
                self.result.sellers_created += len(missing)
                found = dict(Seller.objects.filter(slug__in=new).values_list("slug", "id"))
            else:
                self.unknown.update(missing)
            self.ids.update(found)
        return self.ids


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
