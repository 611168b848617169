"""Reading a large table in primary-key order, a batch at a time.

Keyset pagination (`pk > last`) keeps each query as cheap as the first and memory flat with
the size of the catalogue, where OFFSET would rescan everything before the page.
"""


def in_pk_batches(queryset, batch_size: int):
    """Yield lists of up to `batch_size` rows of `queryset`, in primary-key order.

    Rows may be model instances, `values_list(..., flat=True)` of the pk, or
    `values_list("pk", ...)` tuples with the pk first.
    """
    queryset = queryset.order_by("pk")
    batch = list(queryset[:batch_size])
    while batch:
        yield batch
        last = batch[-1]
        last_pk = last[0] if isinstance(last, tuple) else getattr(last, "pk", last)
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
