"""Keeping suggestions in step with the catalogue and the taxonomy.

- Products created or changed (catalog.signals.products_changed) are scored by the active
  version after their transaction commits.
- Any taxonomy edit (admin, API, import) schedules one pass (per transaction, however many
  rows the edit touched) that withdraws pending suggestions that became irrelevant and sends
  the products of categories whose relevant labels changed to be scored again
  (ml.tasks.follow_taxonomy), so that a value added today is suggested today.
"""
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from taxonomy.models import Attribute, AttributeValue, Category, CategoryAttribute


def _enqueue_withdrawal():
    from .outbox import send

    send("ml.tasks.follow_taxonomy")  # kept and sent later when the broker is down (ml/outbox.py)


def _taxonomy_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    if isinstance(sender, type) and sender is CategoryAttribute.values.through:
        if kwargs.get("action") not in ("post_add", "post_remove", "post_clear"):
            return
    # An import touches thousands of rows in one transaction: one pass after commit is enough.
    if connection.in_atomic_block and any(func is _enqueue_withdrawal for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_withdrawal)


def _products_changed(sender, product_ids=(), **kwargs):
    from .scoring import score_products_on_commit

    score_products_on_commit(product_ids)


def connect():
    for model in (Category, Attribute, AttributeValue, CategoryAttribute):
        post_save.connect(_taxonomy_changed, sender=model, dispatch_uid=f"ml-withdraw-save-{model.__name__}")
        post_delete.connect(_taxonomy_changed, sender=model, dispatch_uid=f"ml-withdraw-delete-{model.__name__}")
    m2m_changed.connect(_taxonomy_changed, sender=CategoryAttribute.values.through, dispatch_uid="ml-withdraw-m2m")
    # Imports write the taxonomy in bulk (no post_save) and say so once, after commit.
    from taxonomy.signals import taxonomy_imported

    taxonomy_imported.connect(lambda sender, **kwargs: _enqueue_withdrawal(), dispatch_uid="ml-withdraw-import", weak=False)
    from catalog.signals import products_changed

    products_changed.connect(_products_changed, dispatch_uid="ml-score-changed-products")
