"""Adding and removing the labels (attribute values) a product carries.

Every label must be relevant to the product's category (taxonomy/relevance.py); an
irrelevant one is refused with a ValidationError naming the attribute, the value and the
category. Whoever adds a label says where it comes from (catalog.models.LabelSource).
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from taxonomy.models import AttributeValue, Category
from taxonomy.relevance import relevant_value_ids

from .models import LabelSource, Product, ProductLabel
from .signals import send_products_changed


def check_relevant(category_id: int, value_ids) -> None:
    """Raise ValidationError listing every value that the category does not allow."""
    relevant = relevant_value_ids(category_id)
    refused = sorted(set(value_ids) - relevant)
    if not refused:
        return
    category = Category.objects.get(pk=category_id)
    messages = []
    values = AttributeValue.objects.filter(pk__in=refused).select_related("attribute")
    for value in values:
        messages.append(
            f"{value.attribute.name}: {value.name} is not relevant to category {category} "
            "(neither the category nor its ancestors allow this pair)"
        )
    missing = set(refused) - {value.pk for value in values}
    messages += [f"no attribute value with id {value_id}" for value_id in sorted(missing)]
    raise ValidationError(messages, code="irrelevant_label")


def add_label(product: Product, value, *, source: str = LabelSource.SELLER, user=None) -> ProductLabel:
    """Give the product this label (an AttributeValue or its id); return the label row.

    A label the product already carries is returned unchanged (its source is kept).
    """
    value_id = value.pk if isinstance(value, AttributeValue) else int(value)
    if source not in LabelSource.values:
        raise ValueError(f"unknown label source {source!r}")
    check_relevant(product.category_id, [value_id])
    with transaction.atomic():
        label, created = ProductLabel.objects.get_or_create(
            product=product, value_id=value_id, defaults={"source": source, "created_by": user}
        )
        if created:
            send_products_changed([product.pk])
    return label


def remove_label(product: Product, value) -> bool:
    """Take the label off the product; return whether it carried it."""
    value_id = value.pk if isinstance(value, AttributeValue) else int(value)
    with transaction.atomic():
        deleted, _ = ProductLabel.objects.filter(product=product, value_id=value_id).delete()
        if deleted:
            send_products_changed([product.pk])
    return bool(deleted)


def drop_irrelevant_labels(product_ids_by_category: dict) -> int:
    """Delete labels that the products' categories no longer allow; return how many.

    `product_ids_by_category` maps a category id to ids of products now in that category.
    """
    deleted = 0
    for category_id, product_ids in product_ids_by_category.items():
        relevant = relevant_value_ids(category_id)
        stale = [
            label_id
            for label_id, value_id in ProductLabel.objects.filter(product_id__in=product_ids).values_list(
                "id", "value_id"
            )
            if value_id not in relevant
        ]
        if stale:
            deleted += ProductLabel.objects.filter(id__in=stale).delete()[0]
    return deleted
