"""Products as CSV, for catalogues kept in spreadsheets. FORMATS.md defines JSONL; this is the
same content in columns:

    id,category,title,description,seller,Color,Shoe size (cm)
    A-1001,Shoes > Men's shoes > Sneakers,Northwave ESPRESSO,,northwave-store,red,26.0

- a header row names the columns; `id`, `category` and `title` are required, `description`
  and `seller` optional; every other column is an attribute;
- `category` is the path from the top category, names separated by ">";
- an attribute cell holds that attribute's values for the product, separated by "|"
  (empty: none). Names holding ">" (categories) or "|" (values) cannot be written in CSV;
- UTF-8 (a byte-order mark is accepted), any CSV quoting; line numbers in problems are the
  file's physical lines (a quoted cell may span several).
Rows become the same dicts as JSONL lines, so both formats share validation and writing
(catalog/importing.py).
"""
import csv
import io

from taxonomy.names import normalize_name

CATEGORY_SEPARATOR = ">"
VALUE_SEPARATOR = "|"
FIXED_COLUMNS = ("id", "category", "title", "description", "seller")
REQUIRED_COLUMNS = ("id", "category", "title")


def not_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    return f"not UTF-8: byte 0x{raw[error.start]:02x} at column {error.start + 1} (the file must be UTF-8)"


class _DecodedLines:
    """The file's lines decoded, counted, with undecodable lines reported."""

    def __init__(self, file, problems, on_progress, progress_every):
        self.file, self.problems = file, problems
        self.on_progress, self.progress_every = on_progress, progress_every
        self.count = self.position = 0
        self.last_bad = 0

    def __iter__(self):
        for raw in self.file:
            self.count += 1
            self.position += len(raw)
            if self.on_progress and self.count % self.progress_every == 0:
                self.on_progress(self.position)
            if self.count == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.problems.add(self.count, None, not_utf8(raw, error))
                self.last_bad = self.count
                yield raw.decode("utf-8", "replace")  # keeps the CSV parser in step


def csv_records(file, problems, on_progress=None, progress_every=1000):
    """Yield (line number, product dict) for each data row of a CSV file (binary, seekable)."""
    file.seek(0)
    lines = _DecodedLines(file, problems, on_progress, progress_every)
    reader = csv.reader(lines)
    columns = _header(reader, problems)
    if columns is None:
        return
    while True:
        start = lines.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.add(start, None, f"invalid CSV: {error}")
            break
        if lines.last_bad >= start or not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            problems.add(start, None, f"{len(cells)} cells where the header has {len(columns)} columns")
            continue
        yield start, _record(columns, cells)
    if on_progress:
        on_progress(lines.position)


def _header(reader, problems):
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.add(1, None, f"invalid CSV: {error}")
        return None
    if header is None:
        problems.add(1, None, "empty file: a CSV file starts with a header row")
        return None
    columns = [normalize_name(name) for name in header]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.add(1, name, "missing column")
    for name in sorted({name for name in columns if columns.count(name) > 1}):
        problems.add(1, name, "column given twice")
    return None if problems else columns


def _record(columns, cells) -> dict:
    record, labels = {}, []
    for column, cell in zip(columns, cells):
        if column == "category":
            if cell.strip():
                record["category"] = [part.strip() for part in cell.split(CATEGORY_SEPARATOR)]
        elif column == "seller":
            if cell.strip():
                record["seller"] = cell.strip()
        elif column in FIXED_COLUMNS:
            record[column] = cell
        else:
            labels += [[column, value.strip()] for value in cell.split(VALUE_SEPARATOR) if value.strip()]
    record["labels"] = labels
    return record


def csv_lines(records, attributes):
    """Yield the CSV file (header first) for FORMATS.md product dicts."""
    yield _row([*FIXED_COLUMNS, *attributes])
    for record in records:
        values = {attribute: [] for attribute in attributes}
        for attribute, value in record["labels"]:
            values[attribute].append(value)
        fixed = [record["id"], " > ".join(record["category"]), record["title"], record["description"], record["seller"]]
        yield _row([*fixed, *(VALUE_SEPARATOR.join(values[attribute]) for attribute in attributes)])


def _row(cells) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()
