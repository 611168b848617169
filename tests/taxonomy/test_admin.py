import pytest
from django.urls import reverse

from ..conftest import changelist_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model, heading, first_row, count", [
    ("category", "Select category to change", ["Shoes", "1", "3", "0"], "5 categories"),
    ("attribute", "Select attribute to change", ["Color", "3", "2"], "4 attributes"),
    ("attributevalue", "Select attribute value to change", ["black", "Color", "-"], "10 attribute values"),
    ("categoryattribute", "Select allowed pair to change", ["TVs", "Screen size", "", "*"], "5 allowed pairs"),
    ("taxonomyrevision", "Select taxonomy revision to view", ["1"], "1 taxonomy revision"),
])
def test_it_shows_every_taxonomy_list(admin_browser, taxonomy, model, heading, first_row, count):
    response = admin_browser.get(reverse(f"admin:taxonomy_{model}_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page and count in page
    rows = changelist_rows(page)
    assert rows[0][:len(first_row)] == first_row


def test_it_shows_the_tree_indented_in_path_order(admin_browser, taxonomy):
    page = admin_browser.get(reverse("admin:taxonomy_category_changelist")).content.decode()
    # The table's order only: in one full SQLite run "TVs" was also found above the table (in
    # the page around it, left by an earlier test), which this test is not about.
    page = page[page.index('id="result_list"'):]
    order = [page.index(name) for name in ("Shoes", "Men&#x27;s shoes", "Sneakers", "Women&#x27;s shoes", "TVs")]
    assert order == sorted(order)
    assert "\u2003\u2003\u2003\u2003Sneakers" in page


def test_it_shows_a_category_with_its_pairs_and_children(admin_browser, taxonomy):
    shoes = taxonomy.category("Shoes")
    page = admin_browser.get(reverse("admin:taxonomy_category_change", args=[shoes.pk])).content.decode()
    assert "Allowed pairs" in page and "Subcategories" in page and "Men&#x27;s shoes" in page


def test_it_shows_an_attribute_with_its_values(admin_browser, taxonomy):
    color = taxonomy.value("Color", "red").attribute
    page = admin_browser.get(reverse("admin:taxonomy_attribute_change", args=[color.pk])).content.decode()
    assert "coral" in page and "blue" in page


def test_an_alias_with_a_nul_is_refused_with_a_form_error(admin_browser, taxonomy):
    from taxonomy.models import AttributeValue

    color = taxonomy.value("Color", "red").attribute
    response = admin_browser.post(
        reverse("admin:taxonomy_attributevalue_add"), {"attribute": color.pk, "name": "crimson", "aliases": "ok\nbad\x00alias"}
    )
    assert response.status_code == 200
    assert "Alias 2: Contains a NUL character" in response.content.decode()
    assert not AttributeValue.objects.filter(name="crimson").exists()


def test_too_many_aliases_are_refused_with_a_form_error(admin_browser, taxonomy):
    color = taxonomy.value("Color", "red").attribute
    aliases = "\n".join(f"red {i}" for i in range(101))
    response = admin_browser.post(
        reverse("admin:taxonomy_attributevalue_add"), {"attribute": color.pk, "name": "crimson", "aliases": aliases}
    )
    assert response.status_code == 200
    assert "101 aliases, more than the 100 a value may have." in response.content.decode()


def test_a_name_that_normalises_past_255_characters_is_refused_in_the_admin(admin_browser, db):
    from taxonomy.models import Attribute

    response = admin_browser.post(
        reverse("admin:taxonomy_attribute_add"), {"name": "㍿" * 100, "values-TOTAL_FORMS": "0", "values-INITIAL_FORMS": "0"}
    )
    assert response.status_code == 200
    assert "Longer than 255 characters (400)" in response.content.decode()
    assert not Attribute.objects.exists()


def test_a_category_whose_path_would_not_fit_its_index_is_refused_in_the_admin(admin_browser, db):
    from taxonomy.models import Category

    parent = None
    for depth in range(9):  # nine names of 250 characters: 2,258 bytes of path
        parent = Category.objects.create(name=f"{depth}" + "x" * 249, parent=parent)
    form = {"name": "y" * 200, "parent": parent.pk, "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0",
            "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"}
    response = admin_browser.post(reverse("admin:taxonomy_category_add"), form)

    assert response.status_code == 200
    assert "Category path too long: the whole path is 2,459 bytes in UTF-8" in response.content.decode()
    assert Category.objects.count() == 9


def test_renaming_a_category_counts_the_paths_of_its_subcategories(admin_browser, db):
    from taxonomy.models import Category

    top = Category.objects.create(name="top")
    parent = top
    for depth in range(9):
        parent = Category.objects.create(name=f"{depth}" + "x" * 249, parent=parent)
    form = {"name": "t" * 200, "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0",
            "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"}
    response = admin_browser.post(reverse("admin:taxonomy_category_change", args=[top.pk]), form)

    assert response.status_code == 200
    assert "counting its deepest subcategory" in response.content.decode()
    top.refresh_from_db()
    assert top.name == "top"


def test_the_tree_stays_in_order_under_a_linguistic_collation(admin_browser, taxonomy):
    """PostgreSQL databases made with a linguistic locale (en_US.UTF-8, the official image's
    default) skip the \\x1f between path names when sorting, which put "Shoes bag" between
    "Shoes" and its subcategories; the admin sorts the tree bytewise."""
    from django.db import connection

    from taxonomy.models import Category

    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares text bytewise: there is no linguistic collation to defeat")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's deferred checks, before the ALTER
        cursor.execute('ALTER TABLE taxonomy_category ALTER COLUMN path_key TYPE text COLLATE "en-US-x-icu"')
    Category.objects.create(name="Shoes bag")
    rows = [row[0].strip("\u2003 ") for row in changelist_rows(
        admin_browser.get(reverse("admin:taxonomy_category_changelist")).content.decode()
    )]
    assert rows.index("Shoes bag") > rows.index("Women's shoes")
    assert rows.index("Shoes bag") == rows.index("Women's shoes") + 1


def test_the_admin_is_branded_and_speaks_japanese(admin_browser, taxonomy):
    admin_browser.cookies["django_language"] = "ja"
    index = admin_browser.get(reverse("admin:index")).content.decode()
    assert "Zokusei 管理" in index and "属性体系" in index and "カタログ" in index and "Django" not in index.split("<body")[1]

    page = admin_browser.get(reverse("admin:taxonomy_category_changelist")).content.decode()
    assert "変更する カテゴリ を選択" in page and "taxonomy.json を取り込む" in page and "自身の属性" in page


def test_aliases_are_listed_and_edited_as_text_not_json(admin_browser, taxonomy):
    from taxonomy.models import AttributeValue

    red = taxonomy.value("Color", "red")
    red.aliases = ["レッド", "赤"]
    red.save()
    listing = admin_browser.get(reverse("admin:taxonomy_attributevalue_changelist")).content.decode()
    assert "レッド, 赤" in listing and "[&#x27;" not in listing and '["' not in listing

    form = admin_browser.get(reverse("admin:taxonomy_attributevalue_change", args=[red.pk])).content.decode()
    assert "レッド\n赤</textarea>" in form
    admin_browser.post(reverse("admin:taxonomy_attributevalue_change", args=[red.pk]),
                       {"attribute": red.attribute_id, "name": "red", "aliases": "レッド\n赤\nあか"})
    assert sorted(AttributeValue.objects.get(pk=red.pk).aliases) == sorted(["レッド", "赤", "あか"])
