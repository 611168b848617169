"""The taxonomy in the Django admin: the category tree (indented, with its pairs inline),
attributes with their values and aliases inline, and the assignments of pairs to categories.
`taxonomy.json` is imported and exported from the category list (taxonomy/importing.py,
taxonomy/exporting.py). Deleting a value that products or suggestions use first says how
many are affected, then removes those labels with it.

Saves through the admin send post_save signals, which bump TaxonomyRevision: relevance caches
see every edit at once.
"""
import io

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Collate
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin_widgets import TolerantAutocompleteFields

from .exporting import export_taxonomy
from .importing import import_taxonomy
from .limits import MAX_ALIASES_PER_VALUE, name_problem
from .models import Attribute, AttributeValue, Category, CategoryAttribute, TaxonomyRevision, category_path_problem
from .names import PATH_SEPARATOR, normalize_name
from .problems import FileRefused
from .relevance import relevance_index

INDENT = "\u2003"  # an em space per level of the tree


def checked_name(value: str) -> str:
    """A name as the models will store it (normalised), refused when it cannot be: the
    255-character columns count the normalised name, which NFKC may make longer (㍿ is
    株式会社), and a NUL would crash PostgreSQL."""
    problem = name_problem(value)
    if problem:
        raise ValidationError(
            _("%(problem)s (names are counted after NFKC normalisation).") % {"problem": f"{problem[0].upper()}{problem[1:]}"}
        )
    return value


class CategoryForm(forms.ModelForm):
    """Checks the name, and that the path, and those of the subcategories it carries along,
    fit the index on path_key (taxonomy/models.py)."""

    class Meta:
        model = Category
        fields = ("name", "parent")

    def clean_name(self):
        return checked_name(self.cleaned_data["name"])

    def clean(self):
        data = super().clean()
        if "name" not in data:
            return data
        parent = data.get("parent", self.instance.parent if self.instance.parent_id else None)
        key = normalize_name(data["name"]) if parent is None else parent.path_key + PATH_SEPARATOR + normalize_name(data["name"])
        problem = category_path_problem(key, self.instance.pk)
        if problem:
            raise ValidationError(_("Category path too long: %(problem)s.") % {"problem": problem})
        return data


class CategoryAttributeInline(TolerantAutocompleteFields, admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    autocomplete_fields = ("attribute", "values")
    verbose_name = _("allowed pair")
    verbose_name_plural = _('allowed pairs (inherited by subcategories; "all values" is the file format\'s "*")')


class ChildInline(admin.TabularInline):
    model = Category
    form = CategoryForm
    fk_name = "parent"
    fields = ("name",)
    extra = 0
    show_change_link = True
    verbose_name_plural = _("subcategories")


class DepthFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "depth"

    def lookups(self, request, model_admin):
        depths = Category.objects.order_by().values_list("depth", flat=True).distinct()
        return [(str(depth), _("top") if depth == 0 else _("level %(depth)d") % {"depth": depth}) for depth in sorted(depths)]

    def queryset(self, request, queryset):
        return queryset.filter(depth=int(self.value())) if self.value() else queryset


@admin.register(Category)
class CategoryAdmin(TolerantAutocompleteFields, admin.ModelAdmin):
    list_display = ("tree_name", "own_pairs", "relevant_labels", "products")
    list_filter = (DepthFilter,)
    search_fields = ("name", "path_key")
    autocomplete_fields = ("parent",)
    readonly_fields = ("full_path", "depth", "relevant_labels")
    fields = ("name", "parent", "full_path", "depth", "relevant_labels")
    form = CategoryForm
    inlines = [CategoryAttributeInline, ChildInline]
    list_per_page = 200
    change_list_template = "admin/taxonomy/category/change_list_with_files.html"

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="taxonomy_category_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="taxonomy_category_export"),
        ]
        return own + super().get_urls()

    def import_view(self, request):
        """Upload a taxonomy.json; a refused file lists every problem and writes nothing."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = TaxonomyFileForm(request.POST or None, request.FILES or None)
        refused = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_taxonomy(upload, name=upload.name)
            except FileRefused as error:
                refused = error
            else:
                counts = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in result.as_dict().items() if n)
                messages.success(
                    request,
                    _("Imported %(file)s: %(counts)s.") % {"file": upload.name, "counts": counts or _("nothing changed")},
                )
                return redirect("admin:taxonomy_category_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import taxonomy.json"),
            "form": form,
            "refused": refused,
        }
        return TemplateResponse(request, "admin/taxonomy/category/import.html", context)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        out = io.StringIO()
        export_taxonomy(out)
        response = HttpResponse(out.getvalue(), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="taxonomy.json"'
        return response

    def get_ordering(self, request):
        return [tree_order()]

    def get_queryset(self, request):
        # Counted in subqueries: joining products and assignments at once would multiply rows.
        return (
            super().get_queryset(request)
            .annotate(
                assignment_count=_count_per_category(CategoryAttribute),
                product_count=_count_per_category(apps.get_model("catalog", "Product")),
            )
            .order_by(tree_order())
        )

    @admin.display(description=_("category"), ordering="path_key")
    def tree_name(self, category):
        return format_html("{}{}", INDENT * 2 * category.depth, category.name)

    @admin.display(description=_("path"))
    def full_path(self, category):
        return str(category) if category.pk else "-"

    @admin.display(description=_("own attributes"), ordering="assignment_count")
    def own_pairs(self, category):
        return category.assignment_count

    @admin.display(description=_("relevant labels"))
    def relevant_labels(self, category):
        return len(relevance_index().value_ids(category.pk)) if category.pk else 0

    @admin.display(description=_("products"), ordering="product_count")
    def products(self, category):
        return category.product_count


class TaxonomyFileForm(forms.Form):
    file = forms.FileField(label="taxonomy.json", help_text=_("UTF-8 JSON in the format of docs/formats.md."))


class AliasesField(forms.CharField):
    """Aliases edited as text, one per line, stored as the list the model keeps."""

    # Wide enough for a few aliases of Japanese product vocabulary without scrolling sideways;
    # the class is the admin's own for text areas (its CSS sizes the box, not a style attribute).
    widget = forms.Textarea(attrs={"rows": 3, "cols": 40, "class": "vLargeTextField alias-list"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class AttributeForm(forms.ModelForm):
    class Meta:
        model = Attribute
        fields = ("name",)

    def clean_name(self):
        return checked_name(self.cleaned_data["name"])


class AttributeValueForm(forms.ModelForm):
    aliases = AliasesField(required=False, label=_("aliases"), help_text=_("Other surface forms, one per line."))

    class Meta:
        model = AttributeValue
        fields = ("attribute", "name", "aliases")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A line per alias and one to type the next, so that none is hidden below the fold.
        lines = len(self.instance.aliases or []) + 1 if self.instance.pk else 3
        self.fields["aliases"].widget.attrs["rows"] = max(3, min(lines, 12))

    def clean_name(self):
        return checked_name(self.cleaned_data["name"])

    def clean_aliases(self):
        # The field's own NUL check looks at the list's repr, where a NUL reads "\x00".
        aliases = self.cleaned_data["aliases"]
        if len(aliases) > MAX_ALIASES_PER_VALUE:
            raise ValidationError(
                _("%(count)d aliases, more than the %(limit)d a value may have.")
                % {"count": len(aliases), "limit": MAX_ALIASES_PER_VALUE}
            )
        for number, alias in enumerate(aliases, 1):
            try:
                checked_name(alias)
            except ValidationError as error:
                raise ValidationError(_("Alias %(number)d: %(problem)s") % {"number": number, "problem": error.messages[0]}) from None
        return aliases


def tree_order():
    """Categories in tree order: each right after its parent. path_key joins the names with
    \x1f, which sorts before every printable character bytewise; PostgreSQL's linguistic
    collations (en_US.UTF-8, the default of the official image) skip control characters and
    would interleave subtrees, so there the comparison is made bytewise ("C")."""
    if connection.vendor == "postgresql":
        return Collate("path_key", "C").asc()
    return F("path_key").asc()


def _count_per_category(model):
    rows = model.objects.filter(category=OuterRef("pk")).order_by().values("category").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    form = AttributeValueForm
    fields = ("name", "aliases")
    extra = 0
    # Values are deleted from their own page, which says how many products use them first.
    can_delete = False
    show_change_link = True


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    form = AttributeForm
    list_display = ("name", "value_count", "category_count")
    search_fields = ("name",)
    inlines = [AttributeValueInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            value_total=Count("values", distinct=True), category_total=Count("assignments", distinct=True)
        )

    @admin.display(description=_("values"), ordering="value_total")
    def value_count(self, attribute):
        return attribute.value_total

    @admin.display(description=_("categories"), ordering="category_total")
    def category_count(self, attribute):
        return attribute.category_total


@admin.register(AttributeValue)
class AttributeValueAdmin(TolerantAutocompleteFields, admin.ModelAdmin):
    list_display = ("name", "attribute", "alias_list")
    list_filter = ("attribute",)
    search_fields = ("name", "attribute__name")
    list_select_related = ("attribute",)
    autocomplete_fields = ("attribute",)
    form = AttributeValueForm

    @admin.display(description=_("aliases"))
    def alias_list(self, value):
        # The list the model stores, read as the admin edits it (not as JSON).
        return ", ".join(value.aliases) or "-"

    def get_deleted_objects(self, objs, request):
        """Counts instead of Django's list of every related row, which for a value that a
        hundred thousand products carry would be a page nobody can read (or render). What goes
        with a value is the catalogue's rule (catalog/models.py, ProductLabel): read here
        through the reverse relations, so the taxonomy never imports the catalogue."""
        values = list(objs)
        chosen = AttributeValue.objects.filter(pk__in=[value.pk for value in values])
        # One relation per query: joining them all at once would multiply the rows.
        usage = {
            **chosen.aggregate(products=Count("product_labels__product", distinct=True)),
            "suggestions": chosen.aggregate(n=Count("suggestions"))["n"],
            "pending": chosen.aggregate(n=Count("suggestions", filter=Q(suggestions__status="pending")))["n"],
            "decisions": chosen.aggregate(n=Count("suggestions__decisions"))["n"]
            + chosen.aggregate(n=Count("corrections"))["n"],
        }
        summary = [_("Attribute value: %(value)s") % {"value": value} for value in values]
        summary.append(
            [
                ngettext(
                    "%(count)d product carries this value: the label is removed from it",
                    "%(count)d products carry this value: the label is removed from them",
                    usage["products"],
                ) % {"count": usage["products"]},
                ngettext(
                    "%(count)d suggestion of it is deleted (%(pending)d still pending)",
                    "%(count)d suggestions of it are deleted (%(pending)d still pending)",
                    usage["suggestions"],
                ) % {"count": usage["suggestions"], "pending": usage["pending"]},
                ngettext(
                    "%(count)d review decision about it is deleted",
                    "%(count)d review decisions about it are deleted",
                    usage["decisions"],
                ) % {"count": usage["decisions"]},
            ]
        )
        model_count = {
            AttributeValue._meta.verbose_name_plural: len(values),
            _("products"): usage["products"],
            _("suggestions"): usage["suggestions"],
            _("review decisions"): usage["decisions"],
        }
        perms_needed = set() if self.has_delete_permission(request) else {AttributeValue._meta.verbose_name}
        return summary, model_count, perms_needed, []

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for value in queryset:
                value.delete()  # one by one, so post_delete bumps the taxonomy revision


@admin.register(CategoryAttribute)
class CategoryAttributeAdmin(TolerantAutocompleteFields, admin.ModelAdmin):
    list_display = ("category", "attribute", "all_values", "value_list")
    list_filter = ("all_values", "attribute")
    search_fields = ("category__path_key", "attribute__name")
    list_select_related = ("category", "attribute")
    autocomplete_fields = ("category", "attribute", "values")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("values")

    @admin.display(description=_("values"))
    def value_list(self, assignment):
        if assignment.all_values:
            return "*"
        return ", ".join(value.name for value in assignment.values.all())


@admin.register(TaxonomyRevision)
class TaxonomyRevisionAdmin(admin.ModelAdmin):
    list_display = ("revision", "changed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
