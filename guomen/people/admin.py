"""Admin: people and the watch-list, numbers masked (the admin never decrypts a number)."""

from __future__ import annotations

from django.contrib import admin

from .models import DocumentWatch, IdentityDocument, Person


class DocumentInline(admin.TabularInline):
    model = IdentityDocument
    extra = 0
    can_delete = False
    fields = ("kind", "issuing_country", "masked", "valid_until", "border_county")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name_native", "name_latin", "nationality", "category", "registered_by", "created_at")
    list_filter = ("category", "nationality")
    search_fields = ("name_native", "name_latin", "name_search")
    readonly_fields = ("public_id", "name_search", "registered_by", "created_at")
    inlines = [DocumentInline]


@admin.register(DocumentWatch)
class DocumentWatchAdmin(admin.ModelAdmin):
    list_display = ("kind", "issuing_country", "masked", "reason", "active", "added_by", "created_at")
    list_filter = ("reason", "active", "kind")
    readonly_fields = ("public_id", "kind", "issuing_country", "masked", "added_by", "created_at", "deactivated_at", "deactivated_by")
    exclude = ("lookup", "number_lookup", "last4")

    def has_add_permission(self, request) -> bool:
        return False  # numbers are hashed by the watch-list page / API, not typed here
