"""What fuzzing the API against its schema found (tests/api/test_schema_fuzzing.py), one test each."""
import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def token_client(user) -> APIClient:
    """A client as scripts are: a token, and Django's CSRF middleware not switched off."""
    from accounts.tokens import issue_token

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")
    return client


@pytest.mark.django_db
def test_a_write_to_a_non_numeric_api_id_answers_the_api_s_json_404_not_a_csrf_page(alice):
    response = token_client(alice).delete("/api/products/not-a-number/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_api_id_with_a_newline_answers_the_api_s_json_404_not_the_site_s_page(staff):
    response = token_client(staff).get("/api/training-runs/1%0A2/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_training_run_s_model_version_is_documented_as_null_until_it_has_one(openapi):
    assert openapi["components"]["schemas"]["TrainingRun"]["properties"]["model_version"].get("nullable") is True


def test_every_operation_documents_the_errors_the_api_can_answer(openapi):
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"400", "401", "403"}
            if "{" in path:
                expected.add("404")
            if method in WRITES:
                expected.add("409")
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(responses), f"{method.upper()} {path} lacks {sorted(expected - set(responses))}"
            for code in expected:
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == error or error in schema["anyOf"], f"{method.upper()} {path} {code}: {schema}"


def test_an_import_documents_field_errors_beside_a_refused_file(openapi):
    refused = openapi["paths"]["/api/products/import/"]["post"]["responses"]["400"]["content"]["application/json"]

    assert refused["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/FileRefused"}, {"$ref": "#/components/schemas/Error"}]
    }



@pytest.mark.django_db
def test_a_form_body_of_too_many_fields_is_refused_in_json_with_the_limit(alice_api, settings):
    fields = "&".join(f"f{number}=x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = alice_api.post(reverse("product-list"), fields, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json() == {"detail": f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} form fields."}
