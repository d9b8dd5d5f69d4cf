from django.contrib import admin

from . import models


@admin.register(models.DutyPost)
class DutyPostAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "kind", "unit", "jurisdiction", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["unit", "jurisdiction", "passage", "segment"]


@admin.register(models.Patrol)
class PatrolAdmin(admin.ModelAdmin):
    list_display = ["public_id", "team", "leader", "window_start", "status"]
    list_filter = ["status"]
    raw_id_fields = ["team", "jurisdiction", "leader", "created_by"]


@admin.register(models.DutyTask)
class DutyTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "assignee", "due_at", "status"]
    list_filter = ["status"]
    raw_id_fields = ["unit", "assignee", "jurisdiction", "post", "segment", "created_by"]


@admin.register(models.Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "status", "unit", "found_at"]
    list_filter = ["kind", "status"]
    search_fields = ["code"]
    raw_id_fields = ["unit", "jurisdiction", "found_by", "post", "patrol", "segment", "passage"]
