from django.contrib import admin

from .models import Jurisdiction, Passage


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "is_demo"]
    list_filter = ["level", "is_demo"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "county", "neighbour", "is_demo"]
    list_filter = ["kind", "neighbour", "is_demo"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["county"]
