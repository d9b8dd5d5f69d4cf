"""Read-only views for the administrator: every change goes through the services (four eyes, steps)."""

from django.contrib import admin

from . import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Bulletin)
class BulletinAdmin(ReadOnly):
    list_display = ["title_zh", "msg_type", "status", "exercise", "author", "approver", "published_at"]
    list_filter = ["status", "msg_type", "exercise", "topic"]
    search_fields = ["title_zh", "title_en"]


@admin.register(models.Question)
class QuestionAdmin(ReadOnly):
    list_display = ["text", "topic", "status", "asked_at", "answer_author", "answer_approver"]
    list_filter = ["status", "topic"]
    search_fields = ["text"]


@admin.register(models.CitizenReport)
class CitizenReportAdmin(ReadOnly):
    list_display = ["code", "kind", "status", "occurred_at", "jurisdiction", "assigned_to"]
    list_filter = ["status", "kind"]
    search_fields = ["code"]
    exclude = ["photo"]


@admin.register(models.Refusal)
class RefusalAdmin(ReadOnly):
    list_display = ["day", "form", "reason", "n"]
    list_filter = ["form", "reason"]
