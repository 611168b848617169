"""Signals other apps listen to.

`products_changed` is sent after the transaction that created or changed products commits
(never for a rolled-back change), with `product_ids`: a list of Product ids. The ML pipeline
listens to it to score those products. Changes are: a product created, its category, title or
description changed, or its labels changed (through the API, the admin, an import, or a value
deleted from the taxonomy, which removes its labels: `connect`).
"""
from django.db import transaction
from django.dispatch import Signal

products_changed = Signal()


def send_products_changed(product_ids, sender=None) -> None:
    """Send `products_changed` for these products once the current transaction commits."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    transaction.on_commit(lambda: products_changed.send(sender=sender, product_ids=ids))


def _value_deleted(sender, instance, **kwargs):
    # Its labels go with it (ProductLabel.value is CASCADE): the products that carried it changed.
    from .models import ProductLabel

    send_products_changed(ProductLabel.objects.filter(value_id=instance.pk).values_list("product_id", flat=True))


def connect():
    from django.db.models.signals import pre_delete

    from taxonomy.models import AttributeValue

    pre_delete.connect(_value_deleted, sender=AttributeValue, dispatch_uid="catalog-value-deleted")

