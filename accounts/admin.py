from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from config.admin_widgets import TolerantAutocompleteFields

from .models import LoginFailures, User


@admin.register(User)
class UserAdmin(TolerantAutocompleteFields, BaseUserAdmin):
    list_display = ("username", "email", "seller", "is_staff", "is_superuser", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "seller")
    fieldsets = BaseUserAdmin.fieldsets + (("Seller", {"fields": ("seller",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Seller", {"fields": ("seller",)}),)
    autocomplete_fields = ("seller",)


@admin.register(LoginFailures)
class LoginFailuresAdmin(admin.ModelAdmin):
    """Who is locked out of signing in (accounts/lockout.py); deleting a row lifts its lock."""

    list_display = ("scope", "value", "count", "window_started_at")
    list_filter = ("scope",)
    search_fields = ("value",)
    readonly_fields = ("scope", "value", "count", "window_started_at")

    def has_add_permission(self, request):
        return False
