"""The taxonomy in the Django admin: the category tree (indented, with its pairs inline),
attributes with their values and aliases inline, and the assignments of pairs to categories.

Saves through the admin send post_save signals, which bump TaxonomyRevision: relevance caches
see every edit at once.
"""
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from .models import Attribute, AttributeValue, Category, CategoryAttribute, TaxonomyRevision
from .relevance import relevance_index

INDENT = "\u2003"  # an em space per level of the tree


class CategoryAttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    autocomplete_fields = ("attribute", "values")
    verbose_name = "allowed pair"
    verbose_name_plural = 'allowed pairs (inherited by subcategories; "all values" is the file format\'s "*")'


class ChildInline(admin.TabularInline):
    model = Category
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
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("tree_name", "own_pairs", "relevant_labels", "products")
    list_filter = (DepthFilter,)
    search_fields = ("name", "path_key")
    autocomplete_fields = ("parent",)
    readonly_fields = ("full_path", "depth", "relevant_labels")
    fields = ("name", "parent", "full_path", "depth", "relevant_labels")
    inlines = [CategoryAttributeInline, ChildInline]
    list_per_page = 200

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .annotate(assignment_count=Count("assignments", distinct=True), product_count=Count("products", distinct=True))
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


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    fields = ("name", "aliases")
    extra = 0


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
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
class AttributeValueAdmin(admin.ModelAdmin):
    list_display = ("name", "attribute", "aliases")
    list_filter = ("attribute",)
    search_fields = ("name", "attribute__name")
    list_select_related = ("attribute",)
    autocomplete_fields = ("attribute",)


@admin.register(CategoryAttribute)
class CategoryAttributeAdmin(admin.ModelAdmin):
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
