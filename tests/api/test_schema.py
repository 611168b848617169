import pytest
from django.core.management import call_command


def test_it_generates_the_openapi_schema_without_warnings(tmp_path):
    # --fail-on-warn raises on any warning; --validate checks the result against OpenAPI 3.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    # A path as the schema writes it (a template, not a URL reverse() could build).
    assert "/api/products/{id}/labels/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.django_db
def test_it_serves_the_docs_page(client, alice):
    client.force_login(alice)
    # Raw paths on purpose: these are the addresses the README gives API users.
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "<title>Zokusei API</title>" in page and 'id="swagger-ui"' in page
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert text.startswith("openapi: 3") and "/api/review/suggestions/{id}/accept/:" in text


@pytest.mark.parametrize("component, result_class", [
    ("ProductImportResult", "catalog.importing.ProductImportResult"),
    ("TaxonomyImportResult", "taxonomy.importing.TaxonomyImportResult"),
])
def test_the_import_result_schemas_list_every_count_of_their_result(tmp_path, component, result_class):
    import dataclasses
    from importlib import import_module

    import yaml

    module, name = result_class.rsplit(".", 1)
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"))
    schema = yaml.safe_load((tmp_path / "schema.yml").read_text())

    properties = schema["components"]["schemas"][component]["properties"]
    assert list(properties) == [field.name for field in dataclasses.fields(getattr(import_module(module), name))]
