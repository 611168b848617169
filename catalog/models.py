"""Sellers, their products, and the attribute values (labels) products carry."""
from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Abs
from django.utils.translation import gettext_lazy as _


class Seller(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    name = models.CharField(_("name"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["slug"]

    def __str__(self):
        return self.name or self.slug


class Product(models.Model):
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products", verbose_name=_("seller"))
    external_id = models.CharField(_("product id"), max_length=255, help_text=_("The seller's own id; unique per seller."))
    category = models.ForeignKey(
        "taxonomy.Category", on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    title = models.TextField(_("title"))
    description = models.TextField(_("description"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["seller_id", "external_id"]
        constraints = [models.UniqueConstraint(fields=["seller", "external_id"], name="unique_external_id_per_seller")]
        indexes = [models.Index(fields=["category"]), models.Index(fields=["seller", "-updated_at"])]

    def __str__(self):
        return f"{self.seller.slug}/{self.external_id}"


class LabelSource(models.TextChoices):
    IMPORT = "import", _("imported")
    SELLER = "seller", _("entered by the seller")
    SUGGESTION = "suggestion", _("accepted suggestion")


class ProductLabel(models.Model):
    """An attribute value the product is known to carry (training data: a positive).

    Deleting a value from the taxonomy (admin, API, import) removes it from every product,
    with its suggestions and the decisions about them (CASCADE, here and on Suggestion and
    Decision): one rule wherever the value is deleted. The products are re-scored
    (catalog/signals.py).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="labels", verbose_name=_("product"))
    value = models.ForeignKey(
        "taxonomy.AttributeValue", on_delete=models.CASCADE, related_name="product_labels", verbose_name=_("value")
    )
    source = models.CharField(_("source"), max_length=20, choices=LabelSource.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("product label")
        verbose_name_plural = _("product labels")
        constraints = [models.UniqueConstraint(fields=["product", "value"], name="unique_label_per_product")]

    def __str__(self):
        return f"{self.product}: {self.value}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    # The seller picked another value of the same attribute instead (a rejection of this one).
    CORRECTED = "corrected"
    # No longer relevant (taxonomy changed) or no longer suggested by the active version.
    WITHDRAWN = "withdrawn"


# The lifecycle's rules, written once. A person's decision moved the suggestion to one of these
# (catalog/review.py); re-scoring never brings it back to pending (ml/suggestions.py).
DECIDED_STATUSES = (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED, SuggestionStatus.CORRECTED)
# The seller said the product does not carry this label: an explicit negative for training
# (ml/snapshots.py). A correction rejects the suggested value and adds another.
NEGATIVE_STATUSES = (SuggestionStatus.REJECTED, SuggestionStatus.CORRECTED)


class Suggestion(models.Model):
    """A label the model suggests for a product; one row per (product, label)."""

    # No index of its own: (product, value) and (product, status) lead with it already, and
    # each index more costs every re-score's writes (docs/benchmarks.md, "Sixth pass").
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="suggestions", db_index=False)
    # The product's seller, copied (products never move to another seller: the API refuses it,
    # the admin shows it read-only), so that a seller's queue is one range of the
    # seller-led indexes below. Through the product join, a seller with 2% of the catalogue
    # read 40,000 index entries to fill a page (docs/benchmarks.md, "Scale"). Set by save()
    # from the product; bulk writers set it themselves (ml/suggestions.py).
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+", db_index=False)
    value = models.ForeignKey("taxonomy.AttributeValue", on_delete=models.CASCADE, related_name="suggestions")
    model_version = models.ForeignKey("ml.ModelVersion", on_delete=models.PROTECT, related_name="suggestions")
    score = models.FloatField()
    # The cut-off the model decided this suggestion with (its attribute's tuned threshold,
    # ml/xmc/thresholds.py): "least certain" is the smallest |score - threshold|, not the
    # distance to 0.5. Rows written before thresholds were stored read 0.5 where unknown.
    threshold = models.FloatField(default=0.5)
    status = models.CharField(max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [models.UniqueConstraint(fields=["product", "value"], name="unique_suggestion_per_label")]
        indexes = [
            models.Index(fields=["status", "product"]),
            models.Index(fields=["product", "status"]),
            # The review queue reads suggestions in these two orders (frontend/queue.py): a
            # seller's own, and staff's across every seller.
            models.Index(
                F("seller"), F("status"), Abs(F("score") - F("threshold")), F("id"), name="suggestion_seller_margin"
            ),
            models.Index(F("seller"), F("status"), F("score").desc(), F("id"), name="suggestion_seller_confidence"),
            models.Index(F("status"), Abs(F("score") - F("threshold")), F("id"), name="suggestion_margin"),
            models.Index(F("status"), F("score").desc(), F("id"), name="suggestion_confidence"),
            # The queue's count of a seller's products with pending suggestions, up to its cap:
            # the first 1,001 distinct product ids of one range (frontend/queue.py totals).
            models.Index(fields=["seller", "status", "product"], name="suggestion_seller_product"),
        ]

    def __str__(self):
        return f"{self.product}: {self.value} ({self.score:.2f}, {self.status})"

    def save(self, *args, **kwargs):
        if self.seller_id is None and self.product_id is not None:
            self.seller_id = Product.objects.values_list("seller_id", flat=True).get(pk=self.product_id)
        super().save(*args, **kwargs)

    @property
    def margin(self) -> float:
        """How far the score is above (or below) the cut-off it was decided with."""
        return self.score - self.threshold


class DecisionAction(models.TextChoices):
    ACCEPT = "accept"
    REJECT = "reject"
    CORRECT = "correct"


class DecisionQuerySet(models.QuerySet):
    def standing(self):
        """Decisions not undone: those the suggestions' statuses and the labels reflect now."""
        return self.filter(undone_at__isnull=True)


class Decision(models.Model):
    """What a person did with a suggestion: who, when, against which model version and score.

    Decisions are training data: accepted and corrected values become positives, rejected
    values explicit negatives. Undoing a decision is recorded on its row (who, when) and
    restores the suggestion; the row stays, so the audit trail keeps every decision and every
    undo. Counts of what sellers decided read `Decision.objects.standing()`.
    """

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    corrected_value = models.ForeignKey(
        "taxonomy.AttributeValue", null=True, blank=True, on_delete=models.CASCADE, related_name="corrections"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="decisions")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    model_version = models.ForeignKey("ml.ModelVersion", on_delete=models.PROTECT, related_name="decisions")
    score = models.FloatField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-created_at", "-id"]
        # A seller's newest actions (undo: catalog/review.py `_undoable`).
        indexes = [models.Index(F("user"), F("created_at").desc(), name="decision_user_recent")]

    def __str__(self):
        return f"{self.action} {self.suggestion}"


class CatalogueSummary(models.Model):
    """The staff overview's figures as they were at `computed_at` (catalog/overview.py): counts
    per status, acceptance per attribute and per version, completeness per category. Written
    in the background; the newest row is the current one, older ones are deleted."""

    computed_at = models.DateTimeField(db_index=True)
    seconds = models.FloatField(help_text="How long computing the figures took.")
    figures = models.JSONField()

    class Meta:
        verbose_name = _("catalogue summary")
        verbose_name_plural = _("catalogue summaries")

    def __str__(self):
        return f"overview of {self.computed_at:%Y-%m-%d %H:%M}"
