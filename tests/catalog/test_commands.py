import json

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Product

pytestmark = pytest.mark.django_db

LINE = {"id": "1", "category": ["TVs"], "title": "TV", "labels": [["Screen size", "55 inch"]]}


def _write(path, *lines):
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def test_it_imports_files_for_a_seller(taxonomy, tmp_path, capsys):
    path = _write(tmp_path / "p.jsonl", LINE, {**LINE, "id": "2"})

    call_command("import_products", path, "--seller", "shop-a", "--no-progress")

    assert "created 2" in capsys.readouterr().out
    assert Product.objects.filter(seller__slug="shop-a").count() == 2


def test_it_prints_every_problem_and_fails(taxonomy, tmp_path, capsys):
    path = _write(tmp_path / "p.jsonl", LINE, {**LINE, "id": "2", "category": ["Hats"]})

    with pytest.raises(CommandError, match="1 problem, nothing was imported"):
        call_command("import_products", path, "--seller", "shop-a", "--no-progress")

    assert f"{path}: line 2, category: unknown category 'Hats'" in capsys.readouterr().err
    assert not Product.objects.exists()


def test_it_refuses_sellers_that_do_not_exist_when_asked(taxonomy, tmp_path):
    path = _write(tmp_path / "p.jsonl", LINE)
    with pytest.raises(CommandError):
        call_command("import_products", path, "--seller", "shop-q", "--no-create-sellers", "--no-progress")


def test_it_exports_what_it_imported(taxonomy, tmp_path):
    line = {"id": "1", "category": ["TVs"], "title": "TV", "description": "", "labels": LINE["labels"], "seller": "shop-a"}
    path = _write(tmp_path / "p.jsonl", line)
    call_command("import_products", path, "--no-progress")

    call_command("export_products", str(tmp_path / "out.jsonl"))

    assert (tmp_path / "out.jsonl").read_text() == (tmp_path / "p.jsonl").read_text()


def test_it_round_trips_the_taxonomy_through_commands(taxonomy, tmp_path, capsys):
    call_command("export_taxonomy", str(tmp_path / "t.json"))
    call_command("import_taxonomy", str(tmp_path / "t.json"))
    assert "(nothing changed)" in capsys.readouterr().out


def test_it_reports_a_missing_file(db):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_taxonomy", "/nonexistent/taxonomy.json")


def test_it_prints_stats_for_one_seller(taxonomy, tmp_path, capsys):
    call_command("import_products", _write(tmp_path / "p.jsonl", LINE), "--seller", "shop-a", "--no-progress")
    capsys.readouterr()

    call_command("catalog_stats", "--seller", "shop-a")

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "products: 1" and "avg relevant labels: 3.00" in out
