"""Sellers, their products, and the attribute values (labels) products carry."""
from django.conf import settings
from django.db import models


class Seller(models.Model):
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name or self.slug


class Product(models.Model):
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products")
    external_id = models.CharField(max_length=255, help_text="The seller's own id; unique per seller.")
    category = models.ForeignKey("taxonomy.Category", on_delete=models.PROTECT, related_name="products")
    title = models.TextField()
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seller_id", "external_id"]
        constraints = [models.UniqueConstraint(fields=["seller", "external_id"], name="unique_external_id_per_seller")]
        indexes = [models.Index(fields=["category"]), models.Index(fields=["seller", "-updated_at"])]

    def __str__(self):
        return f"{self.seller.slug}/{self.external_id}"


class LabelSource(models.TextChoices):
    IMPORT = "import", "imported"
    SELLER = "seller", "entered by the seller"
    SUGGESTION = "suggestion", "accepted suggestion"


class ProductLabel(models.Model):
    """An attribute value the product is known to carry (training data: a positive)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="labels")
    value = models.ForeignKey("taxonomy.AttributeValue", on_delete=models.PROTECT, related_name="product_labels")
    source = models.CharField(max_length=20, choices=LabelSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "value"], name="unique_label_per_product")]

    def __str__(self):
        return f"{self.product}: {self.value}"
