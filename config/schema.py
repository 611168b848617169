"""The OpenAPI schema lists the error answers an operation can give, not only its successes.

drf-spectacular documents the answer of a view's success only, so a client generated from
/api/schema/ (and schemathesis, tests/api/test_schema_fuzzing.py) took every 400, 403 or 404
for an undocumented answer. Every operation here documents the errors that the layers in front
of every view can give, each with the `Error` body that config/api_errors.py produces:

- 400: a refused query string (config/query_strings.py), filter, field or body;
- 401: a missing, unknown or expired token (before any view's own permission);
- 403: the user's role may not do this (or a session request without its CSRF token);
- 404: an id that is not there or not the user's (detail operations), a page past the end (lists);
- 409, writes: a concurrent write refused by the database (config/api_errors.py);
- 413 and 415, with a body: over DATA_UPLOAD_MAX_MEMORY_SIZE, or not JSON, form or multipart.

An operation that documents an error body of its own (an import's FileRefused) keeps it, and
may also answer the Error form: a form field can be refused before the file is read.
"""
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'What was refused: {"detail": ...} for the request as a whole, or each refused field '
        "with its messages (nested for the items of a list or object)."
    ),
    "additionalProperties": True,
}

ERRORS = {
    "400": "Refused input: the body, a field, a filter or the query string (which and why in the body).",
    "401": "Not signed in, or the token is unknown or has expired.",
    "403": "The user's role may not do this.",
    "404": "No such object among those the user may see, or no such page.",
    "409": "Conflicts with a write made at the same time; nothing was changed.",
    "413": "The request body is too large.",
    "415": "The body is not JSON, a form or a multipart upload.",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    def _add_error_responses(self, operation) -> None:
        error = self._error_component().ref
        responses = operation["responses"]
        for code in self._error_codes(operation):
            response = responses.setdefault(code, {"description": ERRORS[code]})
            content = response.setdefault("content", {})
            own = content.get("application/json", {}).get("schema")
            content["application/json"] = {"schema": {"anyOf": [own, error]} if own and own != error else error}

    def _error_codes(self, operation) -> list[str]:
        codes = ["400", "401", "403"]
        has_path_id = any(parameter.get("in") == "path" for parameter in operation.get("parameters", []))
        if has_path_id or (self._is_list_view() and self._get_paginator()):
            codes.append("404")
        if self.method in WRITES:
            codes.append("409")
        if "requestBody" in operation:
            codes += ["413", "415"]
        return codes

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        return component
