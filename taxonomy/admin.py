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
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

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
        raise ValidationError(f"{problem[0].upper()}{problem[1:]} (names are counted after NFKC normalisation).")
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
            raise ValidationError(f"Category path too long: {problem}.")
        return data


class CategoryAttributeInline(TolerantAutocompleteFields, admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    autocomplete_fields = ("attribute", "values")
    verbose_name = "allowed pair"
    verbose_name_plural = 'allowed pairs (inherited by subcategories; "all values" is the file format\'s "*")'


class ChildInline(admin.TabularInline):
    model = Category
    form = CategoryForm
    fk_name = "parent"
    fields = ("name",)
    extra = 0
    show_change_link = True
    verbose_name_plural = "subcategories"


class DepthFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "depth"

    def lookups(self, request, model_admin):
        depths = Category.objects.order_by().values_list("depth", flat=True).distinct()
        return [(str(depth), "top" if depth == 0 else f"level {depth}") for depth in sorted(depths)]

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
                messages.success(request, f"Imported {upload.name}: {counts or 'nothing changed'}.")
                return redirect("admin:taxonomy_category_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import taxonomy.json",
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

    def get_queryset(self, request):
        # Counted in subqueries: joining products and assignments at once would multiply rows.
        return (
            super().get_queryset(request)
            .annotate(
                assignment_count=_count_per_category(CategoryAttribute),
                product_count=_count_per_category(apps.get_model("catalog", "Product")),
            )
            .order_by("path_key")
        )

    @admin.display(description="category", ordering="path_key")
    def tree_name(self, category):
        return format_html("{}{}", INDENT * 2 * category.depth, category.name)

    @admin.display(description="path")
    def full_path(self, category):
        return str(category) if category.pk else "-"

    @admin.display(description="own attributes", ordering="assignment_count")
    def own_pairs(self, category):
        return category.assignment_count

    @admin.display(description="relevant labels")
    def relevant_labels(self, category):
        return len(relevance_index().value_ids(category.pk)) if category.pk else 0

    @admin.display(description="products", ordering="product_count")
    def products(self, category):
        return category.product_count


class TaxonomyFileForm(forms.Form):
    file = forms.FileField(label="taxonomy.json", help_text="UTF-8 JSON in the format of docs/formats.md.")


class AliasesField(forms.CharField):
    """Aliases edited as text, one per line, stored as the list the model keeps."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 30})

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
    aliases = AliasesField(required=False, help_text="Other surface forms, one per line.")

    class Meta:
        model = AttributeValue
        fields = ("attribute", "name", "aliases")

    def clean_name(self):
        return checked_name(self.cleaned_data["name"])

    def clean_aliases(self):
        # The field's own NUL check looks at the list's repr, where a NUL reads "\x00".
        aliases = self.cleaned_data["aliases"]
        if len(aliases) > MAX_ALIASES_PER_VALUE:
            raise ValidationError(f"{len(aliases)} aliases, more than the {MAX_ALIASES_PER_VALUE} a value may have.")
        for number, alias in enumerate(aliases, 1):
            try:
                checked_name(alias)
            except ValidationError as error:
                raise ValidationError(f"Alias {number}: {error.messages[0]}") from None
        return aliases


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

    @admin.display(description="values", ordering="value_total")
    def value_count(self, attribute):
        return attribute.value_total

    @admin.display(description="categories", ordering="category_total")
    def category_count(self, attribute):
        return attribute.category_total


@admin.register(AttributeValue)
class AttributeValueAdmin(TolerantAutocompleteFields, admin.ModelAdmin):
    list_display = ("name", "attribute", "aliases")
    list_filter = ("attribute",)
    search_fields = ("name", "attribute__name")
    list_select_related = ("attribute",)
    autocomplete_fields = ("attribute",)
    form = AttributeValueForm

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
        summary = [f"Attribute value: {value}" for value in values]
        summary.append(
            [
                f"{usage['products']} product(s) carry this value: the label is removed from them",
                f"{usage['suggestions']} suggestion(s) of it are deleted ({usage['pending']} still pending)",
                f"{usage['decisions']} review decision(s) about it are deleted",
            ]
        )
        model_count = {"attribute values": len(values), **{k: n for k, n in usage.items() if k != "pending"}}
        perms_needed = set() if self.has_delete_permission(request) else {"attribute value"}
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

    @admin.display(description="values")
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
