from django.contrib import admin

from .models import Membership, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "jurisdiction", "capacity", "active", "is_demo"]
    list_filter = ["kind", "active", "is_demo"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["jurisdiction", "passage"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "since"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__code", "unit__name_zh"]
    raw_id_fields = ["user", "unit"]
