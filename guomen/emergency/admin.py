from django.contrib import admin

from . import models


class StepInline(admin.TabularInline):
    model = models.Step
    extra = 0
    raw_id_fields = ["unit"]
    exclude = ["depends_on"]


@admin.register(models.Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "scenario", "trigger_kind", "jurisdiction", "owner_unit"]
    list_filter = ["scenario", "trigger_kind"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["jurisdiction", "owner_unit", "facility"]


@admin.register(models.PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "review_due", "approved_at", "approved_by"]
    raw_id_fields = ["plan", "approved_by"]
    inlines = [StepInline]


@admin.register(models.Activation)
class ActivationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "plan", "exercise", "state", "started_at", "ended_at"]
    list_filter = ["exercise", "state"]
    raw_id_fields = ["plan", "version", "jurisdiction", "started_by", "firing"]


@admin.register(models.TriggerFiring)
class TriggerFiringAdmin(admin.ModelAdmin):
    list_display = ["plan", "key", "fired_at", "state", "decided_at"]
    list_filter = ["state"]
    raw_id_fields = ["plan", "alert", "decided_by"]


@admin.register(models.ImprovementItem)
class ImprovementItemAdmin(admin.ModelAdmin):
    list_display = ["text", "owner_unit", "due_at", "task"]
    raw_id_fields = ["activation", "owner_unit", "task"]
