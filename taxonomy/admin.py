from django.contrib import admin

from .models import Attribute, AttributeValue, Category, CategoryAttribute


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "depth")
    search_fields = ("path_key",)
    autocomplete_fields = ("parent",)


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    inlines = [AttributeValueInline]


@admin.register(AttributeValue)
class AttributeValueAdmin(admin.ModelAdmin):
    list_display = ("attribute", "name")
    search_fields = ("name", "attribute__name")


@admin.register(CategoryAttribute)
class CategoryAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "attribute", "all_values")
    autocomplete_fields = ("category", "attribute", "values")
