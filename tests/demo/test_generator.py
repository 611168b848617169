"""The catalogue generator on its own (no database): formats, determinism, sizes, streaming."""
import copy
import hashlib
import json
import unicodedata

import pytest

from demo import generator, lexicon
from demo.generator import (
    PAPER_SCALE,
    CatalogSpec,
    build_taxonomy,
    iter_products,
    make_product,
    spec_with,
    write_catalog,
)
from demo.surface import full_width, half_width_kana

SMALL = CatalogSpec(products=300, seed=7)


def nfkc(text):
    return unicodedata.normalize("NFKC", text)


def relevant_pairs(taxonomy_json):
    """path -> set of relevant (attribute, value), computed from the file the way docs/formats.md says."""
    values = {a["name"]: [v["name"] for v in a["values"]] for a in taxonomy_json["attributes"]}
    own = {tuple(c["path"]): c["attributes"] for c in taxonomy_json["categories"]}
    relevant = {}
    for path in own:
        pairs = set()
        for depth in range(1, len(path) + 1):
            for attribute, allowed in own.get(path[:depth], {}).items():
                pairs |= {(attribute, v) for v in (values[attribute] if allowed == "*" else allowed)}
        relevant[path] = pairs
    return relevant


def test_it_writes_valid_formats(tmp_path):
    write_catalog(tmp_path, SMALL)
    taxonomy = json.loads((tmp_path / "taxonomy.json").read_text(encoding="utf-8"))
    relevant = relevant_pairs(taxonomy)
    products = [json.loads(line) for line in (tmp_path / "products.jsonl").read_text(encoding="utf-8").splitlines()]
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(products) == len(truth) == 300
    assert len({(p["seller"], p["id"]) for p in products}) == 300
    for product, true in zip(products, truth):
        assert set(product) == {"id", "category", "title", "description", "labels", "seller"}
        labels = {tuple(pair) for pair in true["labels"]}
        withheld = {tuple(pair) for pair in true["withheld"]}
        assert labels <= relevant[tuple(product["category"])]
        assert {tuple(pair) for pair in product["labels"]} == labels - withheld
        assert withheld <= labels
        assert {tuple(pair) for pair in true["implied"]} <= labels
        if len(labels) >= 2:
            assert 1 <= len(withheld) < len(labels)  # something to find, something to learn from
        assert product["title"].strip()


def test_it_names_things_in_normal_form():
    taxonomy = build_taxonomy(SMALL).to_json()
    for attribute in taxonomy["attributes"]:
        assert nfkc(attribute["name"]) == attribute["name"]
        forms = set()
        for value in attribute["values"]:
            assert nfkc(value["name"]) == value["name"]
            for form in [value["name"], *value.get("aliases", [])]:
                assert nfkc(form) not in forms, f"{attribute['name']}: {form} names two values"
                forms.add(nfkc(form))


def test_it_writes_every_true_label_or_implies_it():
    taxonomy = build_taxonomy(SMALL)
    for index in range(300):
        product = make_product(taxonomy, SMALL, index)
        text = nfkc(product["title"] + " " + product["description"])
        implied = {tuple(pair) for pair in product["implied"]}
        for attribute, value in map(tuple, product["labels"]):
            if (attribute, value) in implied:
                continue
            forms = [value, *taxonomy.attributes[attribute][value]]
            assert any(nfkc(form) in text for form in forms), (product["id"], attribute, value, text)


def test_it_uses_full_and_half_width_forms():
    taxonomy = build_taxonomy(SMALL)
    texts = [p["title"] + p["description"] for p in iter_products(taxonomy, SMALL)]
    assert any(any("\uff01" <= char <= "\uff5e" for char in text) for text in texts)   # ＲＥＤ
    assert any(any("\uff65" <= char <= "\uff9f" for char in text) for text in texts)   # ﾚｯﾄﾞ


def test_it_is_deterministic_by_seed(tmp_path):
    write_catalog(tmp_path / "a", SMALL)
    write_catalog(tmp_path / "b", SMALL)
    write_catalog(tmp_path / "c", spec_with(SMALL, seed=8))
    for name in ("taxonomy.json", "products.jsonl", "truth.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "products.jsonl").read_bytes() != (tmp_path / "c" / "products.jsonl").read_bytes()


def test_a_larger_run_begins_with_the_products_of_a_smaller_one():
    small, large = spec_with(SMALL, products=50), spec_with(SMALL, products=80)
    assert list(iter_products(build_taxonomy(small), small)) == list(iter_products(build_taxonomy(large), large))[:50]


def test_it_takes_its_sizes_from_the_options():
    spec = CatalogSpec(products=10, top_categories=12, leaf_categories=120, attributes=90, labels=700, relevant_labels=120)
    taxonomy = build_taxonomy(spec)
    assert len(taxonomy.leaves) == 120
    assert len({leaf.path[0] for leaf in taxonomy.leaves}) == 12
    assert len(taxonomy.attributes) == 90
    assert taxonomy.label_count == 700
    mean_relevant = sum(leaf.relevant_count for leaf in taxonomy.leaves) / len(taxonomy.leaves)
    assert 100 <= mean_relevant <= 140


def test_it_can_be_smaller_than_the_hand_written_taxonomy():
    taxonomy = build_taxonomy(CatalogSpec(products=10, leaf_categories=5, attributes=6, labels=40))
    assert len(taxonomy.leaves) == 5
    assert len(taxonomy.attributes) <= 6
    assert taxonomy.label_count <= 40
    for leaf in taxonomy.leaves:
        assert set(leaf.relevant) <= set(taxonomy.attributes)


def test_paper_scale_matches_table_2():
    taxonomy = build_taxonomy(PAPER_SCALE)
    assert PAPER_SCALE.products == 2_000_000
    assert len({leaf.path[0] for leaf in taxonomy.leaves}) == 38
    assert len(taxonomy.leaves) == 6796
    assert len(taxonomy.attributes) == 1300
    assert taxonomy.label_count == 7979
    # Relevant labels per product, weighted by how popular each leaf is.
    sample = spec_with(PAPER_SCALE, products=2000)
    products = list(iter_products(taxonomy, sample))
    by_path = {leaf.path: leaf.relevant_count for leaf in taxonomy.leaves}
    mean_relevant = sum(by_path[tuple(p["category"])] for p in products) / len(products)
    mean_positive = sum(len(p["labels"]) for p in products) / len(products)
    assert 489 * 0.9 <= mean_relevant <= 489 * 1.1
    assert 4.42 * 0.9 <= mean_positive <= 4.42 * 1.1


def test_it_streams_products_one_at_a_time():
    taxonomy = build_taxonomy(SMALL)
    stream = iter_products(taxonomy, spec_with(SMALL, products=10**9))
    assert next(stream)["id"] == "P0000001"
    assert next(stream)["id"] == "P0000002"


@pytest.mark.parametrize("text", ["RED 26.5cm", "レッド", "ガーゼ パンプス", "Ｖネック"])
def test_width_variants_normalise_back(text):
    assert nfkc(full_width(text)) == nfkc(text)
    assert nfkc(half_width_kana(text)) == nfkc(text)
    assert half_width_kana("レッド") == "ﾚｯﾄﾞ"


def test_stats_count_what_was_written(tmp_path):
    stats = write_catalog(tmp_path, SMALL)
    text = (tmp_path / "stats.txt").read_text(encoding="utf-8")
    assert "products: 300" in text
    assert f"withheld labels: {stats.positives - stats.imported}" in text
    assert generator.CatalogStats is type(stats)


# sha256 (first 16 hex digits) of each file, recorded before demo/generator.py was split into
# the demo/generator/ package. The catalogues of docs/benchmarks.md come from this generator,
# so its output changes only on purpose: when it does, record the new digests here.
RECORDED = [
    (SMALL, {"taxonomy.json": "c9cb19c14f42e584", "products.jsonl": "9cafba595232a740",
             "truth.jsonl": "2bb06c67d23de6e3", "stats.txt": "165fd462e8f5a0d4"}),
    # Synthetic leaves, categories and attributes beyond the hand-written taxonomy.
    (CatalogSpec(products=200, seed=5, top_categories=12, leaf_categories=60, attributes=60, labels=400,
                 relevant_labels=80, sellers=3),
     {"taxonomy.json": "9baac8b36fb90ec8", "products.jsonl": "50a64f47db7fa2a0",
      "truth.jsonl": "cb17182921b45dc0", "stats.txt": "fb80196e762137bc"}),
    # The hand-written taxonomy trimmed to fewer leaves, attributes and labels.
    (CatalogSpec(products=100, seed=11, leaf_categories=5, attributes=6, labels=40),
     {"taxonomy.json": "2a4a1211f349213d", "products.jsonl": "0bf07b8341234aaa",
      "truth.jsonl": "f15fc6c541bfacb5", "stats.txt": "74d26c6b196d4ac7"}),
]


@pytest.mark.parametrize("spec, digests", RECORDED, ids=["demo", "synthetic", "trimmed"])
def test_a_fixed_spec_writes_the_recorded_bytes(tmp_path, spec, digests):
    write_catalog(tmp_path, spec)
    written = {name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()[:16] for name in digests}
    assert written == digests


def test_the_package_keeps_the_names_other_code_imports():
    # demo.steps, the generate_catalog command and the tests import these from demo.generator.
    for name in ("PAPER_SCALE", "CatalogSpec", "CatalogStats", "Taxonomy", "Leaf", "Line", "BRAND",
                 "build_taxonomy", "iter_products", "make_product", "spec_with", "write_catalog"):
        assert hasattr(generator, name), name
        assert name in generator.__all__, name


def test_a_trimmed_taxonomy_leaves_the_lexicon_and_other_taxonomies_as_they_were():
    # Trimming labels removed values from lists the categories shared with lexicon.TREE, so
    # every later build in the same process (and taxonomies built before) lost them too.
    tree = copy.deepcopy(lexicon.TREE)
    earlier = build_taxonomy(SMALL)
    earlier_json = json.dumps(earlier.to_json(), ensure_ascii=False)
    build_taxonomy(CatalogSpec(products=10, leaf_categories=5, attributes=6, labels=40))
    assert lexicon.TREE == tree
    assert json.dumps(earlier.to_json(), ensure_ascii=False) == earlier_json
    assert json.dumps(build_taxonomy(SMALL).to_json(), ensure_ascii=False) == earlier_json
