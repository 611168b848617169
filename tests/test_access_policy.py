"""Every URL × every role × every method, checked against one declared policy table.

The table and the walker are in tests/access_policy.py. Seller A (alice) and seller B (bob)
each have a product with labels, a pending suggestion and a decision; bob, a user with no
role, and anonymous clients must learn nothing of seller A's rows (not even which of its ids
exist), and a refused write must change no row. `pytest -s` prints the figures.
"""
import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import LoginFailures
from accounts.tokens import issue_token
from catalog import review
from catalog.models import Product, Suggestion
from catalog.products import create_product
from ml.models import ModelVersion, TrainingRun, TrainingSnapshot, UnsentTask
from taxonomy.models import CategoryAttribute, TaxonomyRevision

from . import access_policy
from .access_policy import Objects, make_clients, missing_policies, walk

pytestmark = pytest.mark.django_db


def _seller_rows(taxonomy, seller, user, prefix, category, labels, version):
    product = create_product(
        seller=seller, external_id=f"{prefix}-ext-1", category=taxonomy.category(*category),
        title=f"{prefix}secret product", description=f"{prefix}description", labels=labels,
    )
    pending = Suggestion.objects.create(product=product, value=taxonomy.value("Color", "blue"), model_version=version, score=0.6)
    decided = Suggestion.objects.create(product=product, value=taxonomy.value("Color", "black"), model_version=version, score=0.9)
    review.accept(user, decided.pk)
    return product, pending


@pytest.fixture
def objects(taxonomy, seller_a, seller_b, alice, bob, nobody, staff, admin):
    version = ModelVersion.objects.create(artifact_uri="active", checksum="0" * 64, is_active=True)
    product_a, pending_a = _seller_rows(taxonomy, seller_a, alice, "alpha", ["Shoes"], [taxonomy.value("Color", "red").pk], version)
    product_b, _pending_b = _seller_rows(taxonomy, seller_b, bob, "beta", ["TVs"], [], version)
    snapshot = TrainingSnapshot.objects.create(path="snapshot", checksum="0" * 64, taxonomy_revision=0)
    run = TrainingRun.objects.create(requested_by=staff, parameters={}, snapshot=snapshot)
    other_version = ModelVersion.objects.create(artifact_uri="other", checksum="1" * 64, run=run)
    users = {"alice": alice, "bob": bob, "nobody": nobody, "staff": staff, "admin": admin}
    return Objects(
        product_a=product_a, product_b=product_b, pending_a=pending_a,
        label_a=product_a.labels.get(value=taxonomy.value("Color", "red")),
        shoes=taxonomy.category("Shoes"), color=taxonomy.value("Color", "red").attribute,
        red=taxonomy.value("Color", "red"), blue=taxonomy.value("Color", "blue"),
        category_attribute=CategoryAttribute.objects.order_by("pk").first(),
        run=run, version=other_version, snapshot=snapshot,
        unsent_task=UnsentTask.objects.create(task="ml.tasks.train_model", args=[run.pk]),
        group=Group.objects.create(name="reviewers"),
        revision=TaxonomyRevision.objects.order_by("pk").first() or TaxonomyRevision.objects.create(),
        login_failures=LoginFailures.objects.create(
            scope="username", value="mallory", count=1, window_started_at=timezone.now() - timedelta(days=1)
        ),
        product_content_type=ContentType.objects.get_for_model(Product),
        users=users, tokens={who: issue_token(user) for who, user in users.items()},
    )


def test_every_url_pattern_has_a_policy():
    assert missing_policies() == [], "URL patterns with no entry in tests/access_policy.py POLICIES"


def test_every_policy_names_a_url_pattern():
    keys = {key for key, _route, _pattern in access_policy.url_patterns()}

    assert sorted(set(access_policy.POLICIES) - keys) == []


@pytest.fixture
def quiet_request_log():
    # Thousands of refusals are logged as warnings (and 500s as errors, which the report
    # counts anyway): silenced, so that the figures can be read.
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels):
        logger.setLevel(level)


# About 7,000 requests, some 40 seconds of one core: `make test` and .ci/run run it,
# `make test-fast` leaves it out (the two tests above still catch a URL with no policy).
@pytest.mark.slow
def test_no_role_sees_or_changes_what_the_policy_does_not_grant(objects, quiet_request_log):
    clients = make_clients(objects.users, objects.tokens)

    report = walk(objects, clients)

    leaks = report.leaks()
    print(
        f"\naccess policy: {report.patterns} URL patterns, {report.requests} requests, "
        f"{len(clients)} clients ({', '.join(f'{who} {n}' for who, n in sorted(report.per_role.items()))}), "
        f"{len(leaks)} leaks, {len(report.problems) - len(leaks)} other problems, "
        f"{len(access_policy.KNOWN_DEFECTS)} known defects of the admin (KNOWN_DEFECTS)"
    )
    print("slowest:", ", ".join(f"{key} {seconds:.1f}s" for key, seconds in report.seconds.most_common(15)))
    assert report.patterns == len({key for key, _r, _p in access_policy.url_patterns()})
    assert report.requests > 1000
    assert report.problems == [], "\n".join(report.problems)


# The walk finds what it is meant to: each test below breaks one rule on purpose and runs the
# walk over the URLs it concerns.


def _leaks(objects, keys):
    report = walk(objects, make_clients(objects.users, objects.tokens), keys=keys)
    return report.leaks()


def test_the_walk_finds_a_product_list_that_shows_every_sellers_products(objects, quiet_request_log, monkeypatch):
    monkeypatch.setattr("catalog.api.visible_products", lambda user: Product.objects.all())

    leaks = _leaks(objects, {"product-list", "product-export"})

    assert any(leak.startswith("data: bob GET /api/products/") and "alphasecret" in leak for leak in leaks)
    assert any(leak.startswith("data: bob/token GET /api/products/export/") for leak in leaks)
    assert any(leak.startswith("existence: bob GET /api/products/?seller=shop-a") for leak in leaks)


def test_the_walk_finds_a_decision_on_another_sellers_suggestion(objects, quiet_request_log, monkeypatch):
    monkeypatch.setattr("catalog.review.visible_suggestions", lambda user: Suggestion.objects.all())

    leaks = _leaks(objects, {"review-suggestion-accept"})

    assert any(leak.startswith("access: bob POST /api/review/suggestions/") for leak in leaks)
    assert any(leak.startswith("write: bob POST /api/review/suggestions/") and "catalog_decision" in leak for leak in leaks)


def test_the_walk_finds_a_403_that_tells_another_sellers_product_exists(objects, quiet_request_log, monkeypatch):
    from rest_framework.permissions import BasePermission

    class OwnSellerOnly(BasePermission):
        def has_object_permission(self, request, view, product):
            return request.user.is_staff or product.seller_id == request.user.seller_id

    monkeypatch.setattr("catalog.api.visible_products", lambda user: Product.objects.all())
    monkeypatch.setattr("catalog.api.ProductViewSet.permission_classes", [OwnSellerOnly])

    leaks = _leaks(objects, {"product-detail"})

    assert any(leak.startswith("existence: bob GET /api/products/") and "403" in leak for leak in leaks)
    assert not any(leak.startswith("data:") for leak in leaks)  # a 403 shows no title, only that it exists
