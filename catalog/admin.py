"""The catalogue in the Django admin. Label changes are checked against the product's
category (catalog/labels.py) like everywhere else."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from config.admin_widgets import TolerantAutocompleteFields

from .labels import check_relevant, drop_irrelevant_labels
from .limits import MAX_DESCRIPTION_CHARS, MAX_EXTERNAL_ID_CHARS, MAX_TITLE_CHARS, text_problem
from .models import Product, ProductLabel, Seller
from .signals import send_products_changed


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "product_count")
    search_fields = ("slug", "name")
    # Stated here: the product count's GROUP BY sets the model's own ordering aside, and the
    # list's pages would then come in no stable order.
    ordering = ("slug",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description=_("products"), ordering="product_total")
    def product_count(self, seller):
        return seller.product_total


class RelevantLabelsFormSet(forms.BaseInlineFormSet):
    """Refuses new or changed labels that the product's category does not allow.

    Labels already there that a new category does not allow are dropped on save, as
    everywhere else (catalog/products.py).
    """

    def clean(self):
        super().clean()
        if self.instance.category_id is None:
            return
        values = [
            form.cleaned_data["value"].pk
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get("value") and not form.cleaned_data.get("DELETE")
        ]
        try:
            check_relevant(self.instance.category_id, values)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ProductForm(forms.ModelForm):
    """The limits of catalog/limits.py, as for imports and the API: a 50 MB title entered
    here would be highlighted on every view of the product page."""

    LIMITS = (("external_id", MAX_EXTERNAL_ID_CHARS), ("title", MAX_TITLE_CHARS), ("description", MAX_DESCRIPTION_CHARS))

    class Meta:
        model = Product
        fields = "__all__"

    def clean(self):
        data = super().clean()
        for name, limit in self.LIMITS:
            if isinstance(data.get(name), str) and (problem := text_problem(data[name], limit)):
                self.add_error(name, f"{problem[0].upper()}{problem[1:]}.")
        return data


class ProductLabelForm(forms.ModelForm):
    class Meta:
        model = ProductLabel
        fields = ["product", "value", "source"]

    def clean(self):
        data = super().clean()
        if data.get("product") and data.get("value"):
            check_relevant(data["product"].category_id, [data["value"].pk])
        return data


class ProductLabelInline(TolerantAutocompleteFields, admin.TabularInline):
    model = ProductLabel
    formset = RelevantLabelsFormSet
    extra = 0
    autocomplete_fields = ("value",)
    readonly_fields = ("created_at", "created_by")


@admin.register(Product)
class ProductAdmin(TolerantAutocompleteFields, admin.ModelAdmin):
    form = ProductForm
    list_display = ("external_id", "seller", "category", "title", "label_count", "updated_at")
    list_filter = ("seller",)
    search_fields = ("external_id", "title")
    autocomplete_fields = ("seller", "category")
    list_select_related = ("seller", "category")
    inlines = [ProductLabelInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(label_total=Count("labels"))

    def get_readonly_fields(self, request, obj=None):
        # A product never moves to another seller (as in the API): its suggestions are the
        # seller's too (catalog.Suggestion.seller).
        return ("seller",) if obj is not None else ()

    @admin.display(description=_("labels"), ordering="label_total")
    def label_count(self, product):
        return product.label_total

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for label in instances:
            if label.pk is None:
                label.created_by = request.user
            label.save()
        for label in formset.deleted_objects:
            label.delete()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Labels a new category no longer allows go, as through the API (catalog/products.py).
        if change and "category" in form.changed_data:
            drop_irrelevant_labels({form.instance.category_id: [form.instance.pk]})
        send_products_changed([form.instance.pk])


@admin.register(ProductLabel)
class ProductLabelAdmin(TolerantAutocompleteFields, admin.ModelAdmin):
    form = ProductLabelForm
    list_display = ("product", "value", "source", "created_at", "created_by")
    list_filter = ("source",)
    search_fields = ("product__external_id", "value__name", "value__attribute__name")
    list_select_related = ("product__seller", "value__attribute", "created_by")
    raw_id_fields = ("product",)
    autocomplete_fields = ("value",)
    readonly_fields = ("created_at", "created_by")

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        send_products_changed([obj.product_id])
