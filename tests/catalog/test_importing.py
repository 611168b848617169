import pytest
from django.utils import timezone

from catalog import bulk
from catalog.importing import import_products
from catalog.labels import add_label
from catalog.models import LabelSource, Product, ProductLabel, Seller
from catalog.signals import products_changed
from taxonomy.problems import MAX_PROBLEMS, FileRefused

from ..conftest import jsonl_file

pytestmark = pytest.mark.django_db

SNEAKERS = ["Shoes", "Men's shoes", "Sneakers"]


def _line(id="A-1", category=SNEAKERS, title="Northwave ESPRESSO RED", labels=(("Color", "red"),), **extra):
    return {"id": id, "category": category, "title": title, "description": "", "labels": [list(p) for p in labels], **extra}


def _refused(*lines, **options) -> list[tuple]:
    with pytest.raises(FileRefused) as refused:
        import_products(jsonl_file(*lines), **{"default_seller": "shop-a", **options})
    return [(p.line, p.field, p.reason) for p in refused.value.problems]


def _labels(product):
    return {(l.value.attribute.name, l.value.name, l.source) for l in product.labels.select_related("value__attribute")}


def test_it_creates_products_with_their_labels(taxonomy):
    result = import_products(jsonl_file(_line(), _line("A-2", labels=[("Shoe size (cm)", "26.0")])), default_seller="shop-a")

    assert (result.created, result.labels_added, result.sellers_created) == (2, 2, 1)
    product = Product.objects.get(external_id="A-1", seller__slug="shop-a")
    assert product.category == taxonomy.category(*SNEAKERS)
    assert _labels(product) == {("Color", "red", "import")}


def test_it_takes_the_seller_from_the_line_first(taxonomy):
    import_products(jsonl_file(_line(seller="shop-b"), _line()), default_seller="shop-a")
    assert sorted(Product.objects.values_list("seller__slug", "external_id")) == [("shop-a", "A-1"), ("shop-b", "A-1")]


def test_it_changes_nothing_when_the_same_file_comes_again(taxonomy):
    lines = [_line(), _line("A-2", labels=[])]
    import_products(jsonl_file(*lines), default_seller="shop-a")
    before = list(Product.objects.values_list("id", "updated_at"))
    heard = []
    products_changed.connect(lambda **kwargs: heard.append(kwargs), weak=False, dispatch_uid="test-heard")

    try:
        result = import_products(jsonl_file(*lines), default_seller="shop-a")
    finally:
        products_changed.disconnect(dispatch_uid="test-heard")

    assert (result.created, result.updated, result.unchanged, result.labels_added, result.labels_removed) == (0, 0, 2, 0, 0)
    assert list(Product.objects.values_list("id", "updated_at")) == before
    assert heard == []


def test_it_updates_fields_and_makes_the_file_the_truth_for_imported_labels(taxonomy):
    import_products(jsonl_file(_line(labels=[("Color", "red"), ("Shoe size (cm)", "25.0")])), default_seller="shop-a")
    product = Product.objects.get()
    add_label(product, taxonomy.value("Color", "blue"), source=LabelSource.SELLER)

    result = import_products(
        jsonl_file(_line(title="New title", labels=[("Color", "red"), ("Shoe size (cm)", "26.0")])), default_seller="shop-a"
    )

    assert (result.updated, result.labels_added, result.labels_removed) == (1, 1, 1)
    product.refresh_from_db()
    assert product.title == "New title"
    assert _labels(product) == {("Color", "red", "import"), ("Color", "blue", "seller"), ("Shoe size (cm)", "26.0", "import")}


def test_it_keeps_the_source_of_a_label_the_seller_already_gave(taxonomy):
    import_products(jsonl_file(_line(labels=[])), default_seller="shop-a")
    product = Product.objects.get()
    add_label(product, taxonomy.value("Color", "red"), source=LabelSource.SUGGESTION)

    import_products(jsonl_file(_line(labels=[("Color", "red")])), default_seller="shop-a")
    import_products(jsonl_file(_line(labels=[])), default_seller="shop-a")

    assert _labels(product) == {("Color", "red", "suggestion")}


def test_it_drops_labels_that_a_new_category_does_not_allow(taxonomy):
    import_products(jsonl_file(_line(labels=[("Shoe size (cm)", "25.0")])), default_seller="shop-a")
    product = Product.objects.get()
    add_label(product, taxonomy.value("Color", "blue"), source=LabelSource.SELLER)
    add_label(product, taxonomy.value("Shoe size (cm)", "26.0"), source=LabelSource.SELLER)

    result = import_products(jsonl_file(_line(category=["Shoes"], labels=[])), default_seller="shop-a")

    assert result.labels_removed == 2
    assert _labels(product) == {("Color", "blue", "seller")}


def test_it_sends_products_changed_after_commit(taxonomy, django_capture_on_commit_callbacks):
    heard = []
    products_changed.connect(lambda **kwargs: heard.append(kwargs["product_ids"]), weak=False, dispatch_uid="test-heard")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_products(jsonl_file(_line(), _line("A-2")), default_seller="shop-a")
            assert heard == []
    finally:
        products_changed.disconnect(dispatch_uid="test-heard")
    assert heard == [sorted(Product.objects.values_list("id", flat=True))]


def test_it_sends_many_changed_products_in_several_signals(taxonomy, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 3)
    monkeypatch.setattr("catalog.signals.SIGNAL_CHUNK", 4)
    heard = []
    products_changed.connect(lambda **kwargs: heard.append(kwargs["product_ids"]), weak=False, dispatch_uid="test-heard")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_products(jsonl_file(*[_line(f"A-{i}") for i in range(10)]), default_seller="shop-a")
    finally:
        products_changed.disconnect(dispatch_uid="test-heard")

    assert [len(ids) for ids in heard] == [4, 4, 2]
    assert all(ids == sorted(set(ids)) for ids in heard)
    assert sorted(pk for ids in heard for pk in ids) == sorted(Product.objects.values_list("id", flat=True))


def test_it_refuses_invalid_json(taxonomy):
    assert _refused(_line(), '{"id": "A-2", "title": }') == [(2, None, "invalid JSON: Expecting value (column 24)")]


def test_it_refuses_an_unknown_category(taxonomy):
    assert _refused(_line(), _line("A-2", category=["Shoes", "Boots"], labels=[])) == [
        (2, "category", "unknown category 'Shoes > Boots'")
    ]


def test_it_refuses_unknown_and_irrelevant_labels(taxonomy):
    line = _line(labels=[("Weight", "1 kg"), ("Color", "purple"), ("Screen size", "55 inch"), ("Color", "red")])
    assert _refused(line) == [
        (1, "labels[0]", "unknown attribute 'Weight'"),
        (1, "labels[1]", "unknown value 'purple' of attribute 'Color'"),
        (1, "labels[2]", "label Screen size: 55 inch is not relevant to category \"Shoes > Men's shoes > Sneakers\""),
    ]


def test_it_reports_a_label_or_category_on_every_line_that_repeats_it(taxonomy):
    # Labels and category paths are checked once per distinct spelling (catalog/importing.py):
    # a repeated one is still a problem on each of its lines, and a valid one still counts.
    bad = _line(labels=[("Color", "purple"), ("Color", "x" * 300)])
    boots = _line("A-3", category=["Shoes", "Boots"], labels=[])
    assert _refused(bad, _line("A-2", labels=[("Color", "purple"), ("Color", "red")]), boots, {**boots, "id": "A-4"}) == [
        (1, "labels[0]", "unknown value 'purple' of attribute 'Color'"),
        (1, "labels[1]", _refused(_line(labels=[("Color", "x" * 300)]))[0][2]),
        (2, "labels[0]", "unknown value 'purple' of attribute 'Color'"),
        (3, "category", "unknown category 'Shoes > Boots'"),
        (4, "category", "unknown category 'Shoes > Boots'"),
    ]


def test_products_written_in_bulk_carry_their_ids_times_and_labels(taxonomy, django_user_model):
    # New rows go by COPY on PostgreSQL and by bulk_create elsewhere (catalog/bulk.py).
    user = django_user_model.objects.create_user("importer")
    lines = [_line(f"A-{n}", labels=[("Color", "red"), ("Shoe size (cm)", "26.0")]) for n in range(1, 2502)]
    started = timezone.now()
    result = import_products(jsonl_file(*lines), default_seller="shop-a", user=user)
    finished = timezone.now()

    assert (result.created, result.labels_added) == (2501, 5002)
    products = Product.objects.filter(seller__slug="shop-a")
    assert products.count() == 2501
    # The times auto_now_add / auto_now would have set: the moment of the import.
    assert products.filter(created_at__range=(started, finished), updated_at__range=(started, finished)).count() == 2501
    labels = ProductLabel.objects.filter(product__seller__slug="shop-a")
    assert labels.count() == 5002
    assert labels.filter(created_at__range=(started, finished)).count() == 5002
    assert set(labels.values_list("source", "created_by").distinct()) == {(LabelSource.IMPORT, user.pk)}
    assert {label.product_id for label in labels} == set(products.values_list("id", flat=True))
    again = import_products(jsonl_file(*lines), default_seller="shop-a")
    assert (again.created, again.unchanged, again.labels_added) == (0, 2501, 0)


def test_it_refuses_missing_fields(taxonomy):
    line = _line()
    del line["title"], line["category"]
    assert _refused(line, _line("A-2", title="")) == [
        (1, "title", "missing field"),
        (1, "category", "missing field"),
        (2, "title", "must be a non-empty string"),
    ]


def test_it_refuses_a_line_without_any_seller(taxonomy):
    assert _refused(_line(), default_seller=None) == [
        (1, "seller", "missing field (the line names no seller and none was given for the file)")
    ]


def test_it_refuses_duplicate_ids(taxonomy):
    assert _refused(_line(), _line("A-2"), _line(title="again")) == [(3, "id", "duplicate id 'A-1' (first on line 1)")]


def test_it_reports_every_copy_of_every_duplicate_with_its_first_line_in_file_order(taxonomy):
    problems = _refused(
        _line(),
        _line("A-2", category=["Hats"]),  # a line with other problems still claims its id
        _line("A-1", seller="shop-b"),  # another seller's A-1 is another product
        "not json",
        _line(title="again"),
        _line("A-2"),
        _line("A-3"),
        _line(title="a third time"),
    )

    assert problems == [
        (2, "category", "unknown category 'Hats'"),
        (4, None, "invalid JSON: Expecting value (column 1)"),
        (5, "id", "duplicate id 'A-1' (first on line 1)"),
        (6, "id", "duplicate id 'A-2' (first on line 2)"),
        (8, "id", "duplicate id 'A-1' (first on line 1)"),
    ]


def test_it_takes_no_distinct_ids_for_duplicates(taxonomy):
    # Thousands of ids fill every one of the digest arrays; ids that differ only in their
    # seller, or in a character, are distinct too.
    lines = [_line(f"A-{i}", labels=[]) for i in range(3000)]
    lines += [_line("A-1", seller="shop-b", labels=[]), _line("A-1 ", labels=[]), _line("a-1", labels=[])]

    result = import_products(jsonl_file(*lines), default_seller="shop-a")

    assert result.created == 3003


def test_it_refuses_a_file_that_is_not_utf8(taxonomy):
    bad = '{"id": "A-2", "category": ["Shoes"], "title": "赤い靴"}'.encode("shift_jis")
    problems = _refused(_line(), bad)
    assert len(problems) == 1
    assert problems[0][0] == 2 and problems[0][2].startswith("not UTF-8")


def test_it_refuses_other_sellers_lines_when_limited_to_one(taxonomy):
    assert _refused(_line(seller="shop-b"), only_seller="shop-a") == [
        (1, "seller", "you may import products of seller 'shop-a' only, not 'shop-b'")
    ]


def test_it_lists_every_problem_of_a_file_and_writes_nothing(taxonomy):
    problems = _refused(
        _line(), "not json", _line("A-3", category=["Hats"]), _line("A-4", labels=[("Color", "teal")]), _line("A-4"), b"\xff\xfe"
    )
    assert [p[0] for p in problems] == [2, 3, 4, 5, 6]
    assert not Product.objects.exists() and not Seller.objects.exists() and not ProductLabel.objects.exists()


def test_it_caps_the_list_of_problems(taxonomy):
    with pytest.raises(FileRefused) as refused:
        import_products(jsonl_file(*["{"] * (MAX_PROBLEMS + 50)), default_seller="shop-a")
    assert refused.value.total == MAX_PROBLEMS + 50
    assert len(refused.value.problems) == MAX_PROBLEMS
    assert refused.value.lines()[-1] == "... and 50 more problems"


def test_it_skips_blank_lines_and_a_byte_order_mark(taxonomy):
    raw = jsonl_file(_line(), "", _line("A-2"))
    raw = type(raw)(b"\xef\xbb\xbf" + raw.getvalue())
    assert import_products(raw, default_seller="shop-a").created == 2


def test_it_imports_across_batches(taxonomy, monkeypatch):
    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 3)
    lines = [_line(f"A-{i}", labels=[("Color", "red")] if i % 2 else []) for i in range(10)]

    result = import_products(jsonl_file(*lines), default_seller="shop-a")

    assert (result.lines, result.created, result.labels_added) == (10, 10, 5)
    assert import_products(jsonl_file(*lines), default_seller="shop-a").unchanged == 10


def _written_batches(monkeypatch) -> list[int]:
    """Record the size of each batch the import writes."""
    import catalog.importing

    sizes, real = [], catalog.importing._write_batch
    monkeypatch.setattr(catalog.importing, "_write_batch", lambda rows, *args: (sizes.append(len(rows)), real(rows, *args))[1])
    return sizes


def test_a_problem_after_written_batches_refuses_the_file_and_keeps_nothing(taxonomy, monkeypatch):
    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 3)
    written = _written_batches(monkeypatch)
    lines = [_line(f"A-{i}", seller="shop-new") for i in range(30)]
    lines[25] = _line("A-25", category=["Hats"])

    assert _refused(*lines) == [(26, "category", "unknown category 'Hats'")]

    assert written, "the batches before the problem were written, then rolled back"
    assert sum(written) < 25, "writing stops once a problem shows"
    assert not Product.objects.exists() and not ProductLabel.objects.exists() and not Seller.objects.exists()


@pytest.mark.parametrize("second_copy_at", [1, 8], ids=["same batch", "later batch"])
def test_duplicate_ids_in_any_two_batches_refuse_the_file_and_keep_nothing(taxonomy, monkeypatch, second_copy_at):
    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 3)
    lines = [_line(f"A-{i}") for i in range(10)]
    lines[second_copy_at] = _line("A-0", title="again")

    assert _refused(*lines) == [(second_copy_at + 1, "id", "duplicate id 'A-0' (first on line 1)")]
    assert not Product.objects.exists() and not Seller.objects.exists()


def test_unknown_sellers_anywhere_in_the_file_are_each_reported_once(taxonomy, monkeypatch):
    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 2)
    Seller.objects.create(slug="shop-a", name="A")
    lines = [_line(f"A-{i}", seller="shop-a") for i in range(6)]
    lines[1], lines[4] = _line("B-1", seller="shop-x"), _line("B-2", seller="shop-w")
    lines.append(_line("B-3", seller="shop-x"))

    assert _refused(*lines, create_sellers=False) == [
        (None, "seller", "unknown seller 'shop-w'"),
        (None, "seller", "unknown seller 'shop-x'"),
    ]
    assert not Product.objects.exists()


def test_a_failing_write_stops_the_reading_thread(taxonomy, monkeypatch):
    import threading

    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 2)

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("catalog.importing._write_batch", fail)

    with pytest.raises(RuntimeError, match="went away"):
        import_products(jsonl_file(*[_line(f"A-{i}") for i in range(500)]), default_seller="shop-a")
    assert not [thread for thread in threading.enumerate() if thread.name == "import-check"]
    assert not Product.objects.exists() and not Seller.objects.exists()


def test_a_read_error_in_the_middle_of_the_file_reaches_the_caller_and_keeps_nothing(taxonomy, monkeypatch):
    monkeypatch.setattr("catalog.importing.BATCH_SIZE", 2)

    class BrokenDisk(type(jsonl_file())):
        def readline(self, *args):
            if self.tell() > 2000:
                raise OSError(5, "Input/output error")
            return super().readline(*args)

    file = BrokenDisk(jsonl_file(*[_line(f"A-{i}") for i in range(100)]).getvalue())

    with pytest.raises(OSError, match="Input/output error"):
        import_products(file, default_seller="shop-a")
    assert not Product.objects.exists() and not Seller.objects.exists()


def test_it_refuses_cleanly_when_a_concurrent_writer_wins(taxonomy, monkeypatch):
    from django.db import IntegrityError

    def collide(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr("catalog.importing._write_batch", collide)

    with pytest.raises(FileRefused, match="nothing was imported"):
        import_products(jsonl_file(_line()), default_seller="shop-a")
    assert not Seller.objects.exists()


@pytest.mark.parametrize("threshold, refreshed", [(4, True), (5, False)])
def test_a_large_import_refreshes_the_planners_statistics(taxonomy, monkeypatch, threshold, refreshed):
    # Two products and two labels written: 4 rows.
    monkeypatch.setattr("catalog.bulk.ANALYZE_AFTER_ROWS", threshold)
    calls = []
    real = bulk.refresh_planner_statistics
    monkeypatch.setattr("catalog.bulk.refresh_planner_statistics", lambda: (calls.append(1), real()))

    import_products(jsonl_file(_line("A-1"), _line("A-2")), default_seller="shop-a")

    assert bool(calls) is refreshed  # and ANALYZE itself runs where the database is PostgreSQL
