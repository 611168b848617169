"""Products files that would crash the database or a page later are refused whole, with the
line and field of each problem (catalog/limits.py, taxonomy/limits.py); unknown keys and
columns are refused instead of being read as absent."""
import io

import pytest

from catalog import importing
from catalog.importing import import_products
from catalog.limits import MAX_DESCRIPTION_CHARS, MAX_LABELS_PER_PRODUCT, MAX_TITLE_CHARS
from catalog.models import Product, ProductLabel, Seller
from taxonomy.problems import FileRefused

from ..conftest import jsonl_file

pytestmark = pytest.mark.django_db

SNEAKERS = ["Shoes", "Men's shoes", "Sneakers"]


def _line(**fields):
    return {"id": "A-1", "category": SNEAKERS, "title": "Red sneaker", "description": "", "labels": [["Color", "red"]], **fields}


def _counts():
    return Product.objects.count(), ProductLabel.objects.count(), Seller.objects.count()


def _refused(file, **options):
    before = _counts()
    with pytest.raises(FileRefused) as refused:
        import_products(file, **{"default_seller": "shop-a", **options})
    assert _counts() == before  # nothing of a refused file is written
    return [(p.line, p.field, p.reason) for p in refused.value.problems]


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8", "surrogatepass"))


def test_a_nul_in_any_text_field_is_refused_with_its_field(taxonomy):
    lines = [
        _line(id="A\u00001"),
        _line(id="A-2", title="Red\u0000sneaker"),
        _line(id="A-3", description="\u0000"),
        _line(id="A-4", category=["Shoes", "Men's\u0000shoes"]),
        _line(id="A-5", labels=[["Color", "r\u0000ed"]]),
        _line(id="A-6", seller="shop\u0000a"),
    ]
    problems = _refused(jsonl_file(*lines))
    nul = "contains a NUL character (\\u0000)"
    assert problems == [
        (1, "id", nul), (2, "title", nul), (3, "description", nul), (4, "category[1]", nul),
        (5, "labels[0]", nul), (6, "seller", nul),
    ]


def test_a_lone_surrogate_is_refused_with_its_field_and_the_report_stays_printable(taxonomy):
    # JSON allows "\ud800" escapes; UTF-8 cannot hold what they decode to.
    problems = _refused(jsonl_file('{"id": "\\ud800", "category": ["Shoes"], "title": "x\\udfff"}'))
    assert problems == [
        (1, "id", "contains a lone surrogate (\\ud800) at character 1"),
        (1, "title", "contains a lone surrogate (\\udfff) at character 2"),
    ]


def test_a_lone_surrogate_in_a_key_is_reported_encodable(taxonomy):
    with pytest.raises(FileRefused) as refused:
        import_products(jsonl_file('{"id": "A-1", "category": ["Shoes"], "title": "t", "\\ud800": 1}'), default_seller="shop-a")
    [problem] = refused.value.problems
    assert problem.field == "\\ud800"
    str(refused.value.as_dict()).encode("utf-8")  # the API answers this as UTF-8 JSON


def test_over_long_fields_are_refused_in_jsonl_as_in_csv(taxonomy):
    title = "t" * (MAX_TITLE_CHARS + 1)
    description = "d" * (MAX_DESCRIPTION_CHARS + 1)
    expected = [
        (2, "title", f"longer than {MAX_TITLE_CHARS:,} characters ({MAX_TITLE_CHARS + 1:,})"),
        (2, "description", f"longer than {MAX_DESCRIPTION_CHARS:,} characters ({MAX_DESCRIPTION_CHARS + 1:,})"),
    ]
    # JSONL line 2 (after a good line), CSV line 2 (after the header): the same problems.
    assert _refused(jsonl_file(_line(id="A-0"), _line(title=title, description=description))) == expected
    csv_text = f"id,category,title,description\nA-1,Shoes,{title},{description}\n"
    assert _refused(_csv(csv_text), file_format="csv") == expected


def test_a_taxonomy_name_over_255_characters_is_refused_with_its_field(taxonomy):
    long_name = "x" * 256
    problems = _refused(jsonl_file(_line(category=["Shoes", long_name]), _line(id="A-2", labels=[["Color", long_name]])))
    assert problems == [
        (1, "category[1]", "longer than 255 characters (256)"),
        (2, "labels[0]", "longer than 255 characters (256)"),
    ]


def test_more_labels_than_a_product_may_have_are_refused(taxonomy):
    problems = _refused(jsonl_file(_line(labels=[["Color", "red"]] * (MAX_LABELS_PER_PRODUCT + 1))))
    assert problems == [(1, "labels", f"{MAX_LABELS_PER_PRODUCT + 1} labels, more than the {MAX_LABELS_PER_PRODUCT} a product may have")]


def test_a_line_over_the_byte_bound_is_refused_without_being_read_whole(taxonomy, monkeypatch):
    monkeypatch.setattr(importing, "MAX_LINE_BYTES", 200)
    monkeypatch.setattr(importing, "SKIP_CHUNK_BYTES", 64)
    huge = _line(id="A-2", title="t" * 1000)
    file = jsonl_file(_line(), huge, _line(id="A-3"))
    reads = []
    readline = file.readline
    file.readline = lambda size=-1: reads.append(size) or readline(size)

    problems = _refused(file)

    size = len(file.getvalue().splitlines(keepends=True)[1])
    assert problems == [(2, None, f"line of {size:,} bytes, longer than any product can be (200 bytes); not read")]
    assert all(0 < size <= 201 for size in reads)  # never a whole line at once


def test_json_nested_thousands_deep_is_refused_with_its_line(taxonomy):
    problems = _refused(jsonl_file(_line(), '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    assert problems == [(2, None, "invalid JSON: nested too deeply (a product line is a few levels deep)")]


def test_a_misspelt_key_is_refused_and_the_products_labels_are_kept(taxonomy):
    import_products(jsonl_file(_line()), default_seller="shop-a")

    problems = _refused(jsonl_file({**{k: v for k, v in _line().items() if k != "labels"}, "lables": [["Color", "red"]]}))

    assert problems == [(1, "lables", (
        "unknown field; the known ones are id, category, title, description, labels, seller (did you mean 'labels'?)"
    ))]
    assert list(ProductLabel.objects.values_list("value__name", flat=True)) == ["red"]


def test_a_training_snapshots_negatives_key_is_refused_too(taxonomy):
    problems = _refused(jsonl_file(_line(negatives=[["Color", "blue"]])))
    assert [(line, field) for line, field, _reason in problems] == [(1, "negatives")]


def test_an_unknown_csv_column_is_refused_with_a_suggestion(taxonomy):
    problems = _refused(_csv("id,category,title,Colour\nA-1,Shoes,Red sneaker,\n"), file_format="csv")
    assert problems == [(1, "Colour", (
        "unknown column: neither a product field (id, category, title, description, seller) nor an attribute "
        "of the taxonomy (did you mean 'Color'?)"
    ))]


def test_a_nul_in_a_csv_cell_is_refused_with_its_field(taxonomy):
    problems = _refused(_csv("id,category,title\nA-1,Shoes,Red\x00sneaker\n"), file_format="csv")
    assert problems == [(2, "title", "contains a NUL character (\\u0000)")]


def test_a_csv_cell_over_the_csv_modules_limit_is_refused_with_its_line(taxonomy):
    problems = _refused(_csv("id,category,title\nA-1,Shoes,ok\nA-2,Shoes," + "t" * 200_000 + "\n"), file_format="csv")
    assert problems == [(3, None, "a cell is longer than 131,072 characters, more than any column may hold")]
