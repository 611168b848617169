from django.contrib import admin

from .models import Product, ProductLabel, Seller


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")


class ProductLabelInline(admin.TabularInline):
    model = ProductLabel
    extra = 0
    autocomplete_fields = ("value",)
    readonly_fields = ("created_at", "created_by")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("external_id", "seller", "category", "title", "updated_at")
    list_filter = ("seller",)
    search_fields = ("external_id", "title")
    autocomplete_fields = ("seller", "category")
    list_select_related = ("seller", "category")
    inlines = [ProductLabelInline]
