"""Products as CSV, for catalogues kept in spreadsheets. docs/formats.md defines JSONL; this is the
same content in columns:

    id,category,title,description,seller,Color,Shoe size (cm)
    A-1001,Shoes > Men's shoes > Sneakers,Northwave ESPRESSO,,northwave-store,red,26.0

- a header row names the columns; `id`, `category` and `title` are required, `description`
  and `seller` optional; every other column is an attribute;
- `category` is the path from the top category, names separated by ">";
- an attribute cell holds that attribute's values for the product, separated by "|"
  (empty: none). Names holding ">" (categories) or "|" (values) cannot be written in CSV;
- a column that is neither one of these nor an attribute of the taxonomy is refused (a
  misspelt column would otherwise be taken as an attribute without values);
- UTF-8 (a byte-order mark is accepted), any CSV quoting; line numbers in problems are the
  file's physical lines (a quoted cell may span several);
- a cell that starts with = + - @, a tab or a carriage return is written with a ' in front,
  so that a spreadsheet shows it as text instead of running it as a formula (OWASP, "CSV
  injection"); reading takes that ' off again, so export -> import changes nothing. A cell
  that itself starts with ' followed by one of these gets one more ', so the rule undoes
  exactly what it did.
Rows become the same dicts as JSONL lines, so both formats share validation and writing
(catalog/importing.py).
"""
import csv
import io
import re

from taxonomy.limits import MAX_NAME_CHARS, text_problem
from taxonomy.names import normalize_name
from taxonomy.problems import did_you_mean

CATEGORY_SEPARATOR = ">"
VALUE_SEPARATOR = "|"
FIXED_COLUMNS = ("id", "category", "title", "description", "seller")
REQUIRED_COLUMNS = ("id", "category", "title")
# Cells a spreadsheet would take as a formula (OWASP's list), possibly behind quotes already.
_FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralised(cell: str) -> str:
    """The cell as written to CSV: text a spreadsheet will not evaluate."""
    return "'" + cell if _FORMULA_LIKE.match(cell) else cell


def unneutralised(cell: str) -> str:
    """The cell as it was before `neutralised`."""
    return cell[1:] if _NEUTRALISED.match(cell) else cell


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


def csv_records(file, problems, attributes, on_progress=None, progress_every=1000):
    """Yield (line number, product dict) for each data row of a CSV file (binary, seekable).

    attributes: the taxonomy's attribute names, the columns allowed besides FIXED_COLUMNS.
    """
    file.seek(0)
    lines = _DecodedLines(file, problems, on_progress, progress_every)
    # strict: a file cut short inside a quoted cell, or text after a cell's closing quote, is
    # refused; the lenient reader would store the cut cell, or "a"b as ab, without a word.
    reader = csv.reader(lines, strict=True)
    columns = _header(reader, problems, attributes)
    if columns is None:
        return
    while True:
        start = lines.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.add(start, None, _csv_error(error))
            break
        if lines.last_bad >= start or not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            problems.add(start, None, f"{len(cells)} cells where the header has {len(columns)} columns")
            continue
        yield start, _record(columns, [unneutralised(cell) for cell in cells])
    if on_progress:
        on_progress(lines.position)


def _csv_error(error: csv.Error) -> str:
    if "field limit" in str(error):
        # The csv module stops at 128 KiB in one cell; no field within catalog/limits.py is
        # that long, and the limit is the module's global setting, not ours to raise.
        return f"a cell is longer than {csv.field_size_limit():,} characters, more than any column may hold"
    if "unexpected end of data" in str(error):
        return "invalid CSV: the file ends inside a quoted cell (cut short, or a quote never closed)"
    if "expected after" in str(error):
        return 'invalid CSV: text after the closing quote of a cell (a quote inside a quoted cell is written "")'
    return f"invalid CSV: {error}"


def _header(reader, problems, attributes):
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.add(1, None, _csv_error(error))
        return None
    if header is None:
        problems.add(1, None, "empty file: a CSV file starts with a header row")
        return None
    columns = [normalize_name(unneutralised(name)) for name in header]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.add(1, name, "missing column")
    for name in sorted({name for name in columns if columns.count(name) > 1}):
        problems.add(1, name, "column given twice")
    known = set(attributes)
    for name in columns:
        if problem := text_problem(name, MAX_NAME_CHARS):
            problems.add(1, name, problem)
        elif name not in FIXED_COLUMNS and name not in known:
            reason = f"unknown column: neither a product field ({', '.join(FIXED_COLUMNS)}) nor an attribute of the taxonomy"
            problems.add(1, name, reason + did_you_mean(name, [*FIXED_COLUMNS, *known]))
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
    """Yield the CSV file (header first) for docs/formats.md product dicts."""
    yield _row([*FIXED_COLUMNS, *attributes])
    for record in records:
        values = {attribute: [] for attribute in attributes}
        for attribute, value in record["labels"]:
            values[attribute].append(value)
        fixed = [record["id"], " > ".join(record["category"]), record["title"], record["description"], record["seller"]]
        yield _row([*fixed, *(VALUE_SEPARATOR.join(values[attribute]) for attribute in attributes)])


def _row(cells) -> str:
    out = io.StringIO()
    # The writer quotes cells holding its line terminator ("\n") but not a lone "\r", which a
    # reader takes as the end of a line: a row holding one is quoted whole.
    quoting = csv.QUOTE_ALL if any("\r" in cell for cell in cells) else csv.QUOTE_MINIMAL
    csv.writer(out, lineterminator="\n", quoting=quoting).writerow([neutralised(cell) for cell in cells])
    return out.getvalue()
