import io

import pytest

from catalog.exporting import export_products
from catalog.importing import import_products
from catalog.models import Product
from taxonomy.problems import FileRefused

pytestmark = pytest.mark.django_db

GOOD = (
    "id,category,title,description,seller,Color,Shoe size (cm)\n"
    "A-1,Shoes > Men's shoes > Sneakers,Red sneaker,,shop-a,red|blue,26.0\n"
    'A-2,TVs,"Big TV, 55""",,shop-a,black,\n'
)


def _csv(text: str | bytes) -> io.BytesIO:
    return io.BytesIO(text.encode() if isinstance(text, str) else text)


def _problems(text, **options):
    with pytest.raises(FileRefused) as refused:
        import_products(_csv(text), file_format="csv", **options)
    return [(p.line, p.field, p.reason) for p in refused.value.problems]


def test_it_imports_products_with_attribute_columns(taxonomy):
    result = import_products(_csv(GOOD), file_format="csv")

    assert (result.created, result.labels_added) == (2, 4)
    sneaker = Product.objects.get(external_id="A-1")
    assert sorted(label.value.name for label in sneaker.labels.all()) == ["26.0", "blue", "red"]
    assert Product.objects.get(external_id="A-2").title == 'Big TV, 55"'


def test_it_round_trips_export_import_export(taxonomy):
    import_products(_csv(GOOD), file_format="csv")
    first = io.StringIO()
    export_products(first, file_format="csv")
    Product.objects.all().delete()

    import_products(_csv(first.getvalue()), file_format="csv")
    second = io.StringIO()

    assert export_products(second, file_format="csv") == 2
    assert second.getvalue() == first.getvalue()


def test_it_holds_the_same_content_as_jsonl(taxonomy):
    import_products(_csv(GOOD), file_format="csv")
    as_csv, as_jsonl = io.StringIO(), io.StringIO()
    export_products(as_csv, file_format="csv")
    export_products(as_jsonl)
    Product.objects.all().delete()

    import_products(_csv(as_jsonl.getvalue()))

    again = io.StringIO()
    export_products(again, file_format="csv")
    assert again.getvalue() == as_csv.getvalue()


def test_it_refuses_a_header_without_required_columns(taxonomy):
    assert _problems("id,title,Color\n1,x,red\n", default_seller="shop-a") == [(1, "category", "missing column")]


def test_it_gives_physical_line_numbers_across_quoted_newlines(taxonomy):
    text = (
        "id,category,title,description,Color\n"
        '1,TVs,TV,"two\nlines",black\n'
        "2,Hats,Cap,,\n"
        "3,TVs,TV,,purple\n"
        "4,TVs,TV\n"
    )
    assert _problems(text, default_seller="shop-a") == [
        (4, "category", "unknown category 'Hats'"),
        (5, "labels[0]", "unknown value 'purple' of attribute 'Color'"),
        (6, None, "3 cells where the header has 5 columns"),
    ]
    assert not Product.objects.exists()


def test_it_refuses_a_csv_that_is_not_utf8(taxonomy):
    text = b"id,category,title\n1,TVs,TV\n" + "2,TVs,テレビ\n".encode("shift_jis")
    problems = _problems(text, default_seller="shop-a")
    assert len(problems) == 1 and problems[0][0] == 3 and problems[0][2].startswith("not UTF-8")


def test_it_refuses_an_irrelevant_value_in_an_attribute_column(taxonomy):
    text = "id,category,title,Screen size\n1,Shoes,Shoe,55 inch\n"
    assert _problems(text, default_seller="shop-a") == [
        (2, "labels[0]", "label Screen size: 55 inch is not relevant to category 'Shoes'")
    ]
