"""Signals other apps listen to.

`products_changed` is sent after the transaction that created or changed products commits
(never for a rolled-back change), with `product_ids`: a list of distinct Product ids in
increasing order, at most SIGNAL_CHUNK of them; a change of more products (an import) is sent
as several signals, one after the other. The ML pipeline listens to it to score those
products. Changes are: a product created, its category, title or description changed, or its
labels changed (through the API, the admin, an import, or a value deleted from the taxonomy,
which removes its labels: `connect`).
"""
from array import array

from django.db import transaction
from django.dispatch import Signal

products_changed = Signal()

# Product ids per signal. An import changes millions of products in one transaction; sent at
# once, each receiver would hold them all as Python ints (about 100 bytes each as a sorted list
# made from a set: 200 MB for 2M products). A power of two, so that a receiver cutting them
# into chunks of a power of two (ml/scoring.py: 512 by default) leaves no short chunk but the last.
SIGNAL_CHUNK = 65_536


def send_products_changed(product_ids, sender=None) -> None:
    """Send `products_changed` for these products (each given once) once the current
    transaction commits. Until then they wait in an array, 8 bytes each; an array("q") is
    kept as it is, not copied (an import's ids: 16 MB for 2M products)."""
    ids = product_ids if isinstance(product_ids, array) and product_ids.typecode == "q" else array("q", product_ids)
    if not ids:
        return
    transaction.on_commit(lambda: _send(ids, sender))


def _send(ids, sender) -> None:
    for start in range(0, len(ids), SIGNAL_CHUNK):
        products_changed.send(sender=sender, product_ids=sorted(set(ids[start : start + SIGNAL_CHUNK])))


def _value_deleted(sender, instance, **kwargs):
    # Its labels go with it (ProductLabel.value is CASCADE): the products that carried it changed.
    from .models import ProductLabel

    send_products_changed(ProductLabel.objects.filter(value_id=instance.pk).values_list("product_id", flat=True))


def connect():
    from django.db.models.signals import pre_delete

    from taxonomy.models import AttributeValue

    pre_delete.connect(_value_deleted, sender=AttributeValue, dispatch_uid="catalog-value-deleted")

