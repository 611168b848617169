"""The API fuzzed against its own OpenAPI schema (schemathesis), as a seller and as staff.

The schema is the one the app serves at /api/schema/, loaded through the WSGI application;
every operation in it is called with generated requests (valid ones, and ones that break the
schema on purpose) on a database holding a small catalogue: the taxonomy, Alice's sneaker
with pending suggestions, Bob's TV, an active model version. Each answer must be no 5xx, have
a status code the schema lists for the operation, and a body that matches the schema.

Every operation of the schema is fuzzed, the multipart imports included (schemathesis sends
generated multipart bodies; real files are the bad-file corpus's, tests/catalog/test_bad_files.py);
the schema and docs pages are not operations of the schema (SERVE_INCLUDE_SCHEMA is off).

Bounded so that CI is deterministic: the coverage phase (derived from the schema alone) plus
MAX_EXAMPLES random cases per operation and role, derandomised, with a deadline per request.
Every request runs inside the test's transaction, so nothing is kept; tasks are sent only
after a commit, which never comes, so no broker message and no file is written.
"""
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

# Random cases per operation and role (schemathesis's fuzzing phase), on top of its coverage
# phase (every parameter's boundaries and wrong types, about 45 cases per operation): with a
# fixed seed, about 6,500 requests in all and a minute and a half on two busy cores.
MAX_EXAMPLES = 10
# One request answers in milliseconds; five seconds means something hangs (the margin is for
# a loaded CI machine).
DEADLINE_MS = 5000

# Hypothesis keeps caches in .hypothesis/ of the working folder; nothing of the run stays there.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "zokusei-hypothesis")

# No 5xx; only documented status codes and content types; bodies as the schema describes.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


# Requests sent, by role and by schemathesis phase (examples, coverage, fuzzing), printed at the end.
SENT = Counter()
OPERATIONS = set()


@pytest.fixture(scope="module", autouse=True)
def _report_the_counts(request):
    yield
    if not SENT:
        return
    roles = sorted({role for role, _ in SENT})
    by_role = "; ".join(
        f"{role}: " + ", ".join(f"{phase} {count}" for (who, phase), count in sorted(SENT.items()) if who == role)
        for role in roles
    )
    line = f"schema fuzzing: {len(OPERATIONS)} operations, {sum(SENT.values())} requests ({by_role})"
    # Teardown output is captured; this line is meant for CI's log (docs/reliability.md's figures).
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        reporter = request.config.pluginmanager.getplugin("terminalreporter")
        reporter.ensure_newline()
        reporter.write_line(line)


@pytest.fixture(autouse=True)
def _requests_inside_the_test_transaction():
    # Django's WSGI handler closes the database connection at the end of each request
    # (close_old_connections), which would abort the test's transaction; Django's own test
    # client disconnects it in the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["seller", "staff"])
def caller(request, alice, staff, sneaker_suggestions, bobs_tv):
    from accounts.tokens import issue_token

    user = {"seller": alice, "staff": staff}[request.param]
    return request.param, {"Authorization": f"Token {issue_token(user).key}"}


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=DEADLINE_MS,
    derandomize=True,
    database=None,
    # The fixtures are rebuilt per operation and role, not per example: examples of one
    # operation see each other's writes, which is how a client sees them too.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_every_generated_request_as_its_schema_says(case, caller):
    role, headers = caller
    OPERATIONS.add(case.operation.label)
    SENT[role, case.meta.phase.name.value if case.meta else "explicit"] += 1
    case.call_and_validate(headers=headers, checks=CHECKS)
