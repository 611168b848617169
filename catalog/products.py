"""Creating, changing and deleting products, one at a time (the API and the admin).

Bulk imports go through catalog/importing.py, which follows the same rules.

Changing a product's category drops the labels the new category does not allow (whatever
their source), in the same transaction: a category change is how a misfiled product is fixed,
and refusing it until someone has removed the labels by hand would only add a step.
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from .labels import check_relevant, drop_irrelevant_labels
from .models import LabelSource, Product, ProductLabel
from .signals import send_products_changed

EDITABLE_FIELDS = ("external_id", "category", "title", "description")


def create_product(*, seller, external_id, category, title, description="", labels=(), user=None) -> Product:
    """Create a product with its labels (AttributeValue ids, entered by `user`: source seller)."""
    category_id = getattr(category, "pk", category)
    value_ids = sorted(set(labels))
    check_relevant(category_id, value_ids)
    if Product.objects.filter(seller=seller, external_id=external_id).exists():
        raise ValidationError({"external_id": f"this seller already has a product with id {external_id!r}"})
    with transaction.atomic():
        product = Product.objects.create(
            seller=seller, external_id=external_id, category_id=category_id, title=title, description=description
        )
        ProductLabel.objects.bulk_create(
            [ProductLabel(product=product, value_id=v, source=LabelSource.SELLER, created_by=user) for v in value_ids]
        )
        send_products_changed([product.pk])
    return product


def update_product(product: Product, **changes) -> Product:
    """Change some of external_id, category, title, description; return the product.

    A new category drops the labels it does not allow.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a product")
    if "category" in changes:
        category = changes.pop("category")
        changes["category_id"] = getattr(category, "pk", category)
    new_id = changes.get("external_id", product.external_id)
    if new_id != product.external_id and Product.objects.filter(seller_id=product.seller_id, external_id=new_id).exists():
        raise ValidationError({"external_id": f"this seller already has a product with id {new_id!r}"})
    changed = [field for field, value in changes.items() if getattr(product, field) != value]
    if not changed:
        return product
    with transaction.atomic():
        category_changed = "category_id" in changed
        for field in changed:
            setattr(product, field, changes[field])
        product.save(update_fields=[*changed, "updated_at"])
        if category_changed:
            drop_irrelevant_labels({product.category_id: [product.pk]})
        send_products_changed([product.pk])
    return product


def delete_product(product: Product) -> None:
    with transaction.atomic():
        product.delete()
