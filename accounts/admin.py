from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "seller", "is_staff", "is_superuser", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "seller")
    fieldsets = BaseUserAdmin.fieldsets + (("Seller", {"fields": ("seller",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Seller", {"fields": ("seller",)}),)
    autocomplete_fields = ("seller",)
