"""The attribute taxonomy: a category tree, attributes with canonical values, and which
attribute-value pairs (labels) each category allows.

A *label* is one `AttributeValue` row (the pair attribute + value). The labels relevant to a
category are its own assigned pairs and those of all its ancestors (taxonomy/relevance.py).
"""
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from .names import PATH_SEPARATOR, normalize_name

# Bytes of a category's whole path (names joined, UTF-8). PostgreSQL refuses a B-tree index
# entry over 2,704 bytes, and path_key is uniquely indexed: a deep path of long names would
# otherwise crash the insert. Real paths (a few levels of a few dozen characters) stay far
# below; the margin covers the index entry's own header.
MAX_PATH_KEY_BYTES = 2_400


def path_key_problem(key: str) -> str | None:
    """Why a category with this path key cannot be stored, or None when it can."""
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_PATH_KEY_BYTES:
        return f"the whole path is {size:,} bytes in UTF-8, longer than the {MAX_PATH_KEY_BYTES:,} a category path may be"
    return None


def category_path_problem(key: str, category_pk: int | None = None) -> str | None:
    """Why a category cannot take the path `key`, counting the deepest subcategory it carries
    along when an existing category (`category_pk`) is renamed or moved; None when it can.
    The admin's form and the API's serializer both ask this."""
    problem = path_key_problem(key + _longest_subpath(category_pk))
    return f"{problem} (counting its deepest subcategory)" if problem else None


def _longest_subpath(category_pk: int | None) -> str:
    if category_pk is None:
        return ""
    old = Category.objects.filter(pk=category_pk).values_list("path_key", flat=True).first() or ""
    below = Category.objects.filter(path_key__startswith=old + PATH_SEPARATOR).values_list("path_key", flat=True)
    return max((key[len(old):] for key in below.iterator()), key=lambda k: len(k.encode("utf-8", "surrogatepass")),
               default="")


class Category(models.Model):
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", verbose_name=_("parent")
    )
    name = models.CharField(_("name"), max_length=255)
    # The whole path (names joined by PATH_SEPARATOR): the category's natural key.
    path_key = models.TextField(_("path"), unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("level"), default=0, editable=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path_key"]

    def __str__(self):
        return " > ".join(self.path)

    @property
    def path(self) -> list[str]:
        return self.path_key.split(PATH_SEPARATOR)

    @property
    def lineage_keys(self) -> list[str]:
        """The path keys of the category's ancestors and its own, root first."""
        path = self.path
        return [PATH_SEPARATOR.join(path[:length]) for length in range(1, len(path) + 1)]

    def save(self, *args, **kwargs):
        self.name = normalize_name(self.name)
        old_key = None
        if self.pk:
            old_key = Category.objects.filter(pk=self.pk).values_list("path_key", flat=True).first()
        if self.parent_id:
            parent = Category.objects.only("path_key", "depth").get(pk=self.parent_id)
            self.path_key = parent.path_key + PATH_SEPARATOR + self.name
            self.depth = parent.depth + 1
        else:
            self.path_key = self.name
            self.depth = 0
        super().save(*args, **kwargs)
        if old_key is not None and old_key != self.path_key:
            self._rewrite_descendant_paths(old_key)

    def _rewrite_descendant_paths(self, old_key):
        # A renamed or moved category carries its whole subtree along.
        prefix = old_key + PATH_SEPARATOR
        depth_change = self.depth - old_key.count(PATH_SEPARATOR)
        Category.objects.filter(path_key__startswith=prefix).update(
            path_key=Concat(Value(self.path_key + PATH_SEPARATOR), Substr("path_key", len(prefix) + 1)),
            depth=F("depth") + depth_change,
        )


class Attribute(models.Model):
    name = models.CharField(_("name"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalize_name(self.name)
        super().save(*args, **kwargs)


class AttributeValue(models.Model):
    """A canonical value of an attribute; the pair (attribute, value) is a label."""

    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values", verbose_name=_("attribute"))
    name = models.CharField(_("name"), max_length=255)
    aliases = models.JSONField(_("aliases"), default=list, blank=True, help_text=_("Other surface forms of this value."))

    class Meta:
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")
        ordering = ["attribute__name", "name"]
        constraints = [models.UniqueConstraint(fields=["attribute", "name"], name="unique_value_per_attribute")]

    def __str__(self):
        return f"{self.attribute.name}: {self.name}"

    def save(self, *args, **kwargs):
        self.name = normalize_name(self.name)
        self.aliases = sorted({normalize_name(alias) for alias in self.aliases if normalize_name(alias)})
        super().save(*args, **kwargs)


class CategoryAttribute(models.Model):
    """Pairs a category allows: all values of one attribute, or a chosen subset of them.

    Applies to the category's descendants as well.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("category"))
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("attribute"))
    all_values = models.BooleanField(
        _("all values"), default=True, help_text=_('Allow every value of the attribute ("*"), including values added later.')
    )
    values = models.ManyToManyField(AttributeValue, blank=True, related_name="assignments", verbose_name=_("values"))

    class Meta:
        verbose_name = _("allowed pair")
        verbose_name_plural = _("allowed pairs")
        constraints = [
            models.UniqueConstraint(fields=["category", "attribute"], name="unique_attribute_per_category")
        ]

    def __str__(self):
        return f"{self.category} — {self.attribute}"


class TaxonomyRevision(models.Model):
    """A counter bumped by every taxonomy change (taxonomy/signals.py).

    Caches of relevance are keyed by it, and a model version records the revision it was
    trained against.
    """

    revision = models.PositiveBigIntegerField(_("revision"), default=0)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("taxonomy revision")
        verbose_name_plural = _("taxonomy revisions")
