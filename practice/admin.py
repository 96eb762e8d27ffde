from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from practice.models import PracticeAttempt, PracticeScenario


@admin.register(PracticeScenario)
class PracticeScenarioAdmin(SimpleHistoryAdmin):
    list_display = [
        "title", "slug", "scenario", "expected_decision", "escalation_criterion", "is_active",
        "position",
    ]
    list_filter = ["scenario", "expected_decision", "is_active", "checklists"]
    list_editable = ["is_active", "position"]
    search_fields = ["title", "slug", "ticket_text"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["checklists"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "scenario", "checklists", "is_active", "position"]}),
        ("Ticket", {"fields": ["ticket_text"]}),
        ("Sandbox", {"fields": ["setup", "diagnostic_checks"]}),
        (
            "Answer",
            {"fields": ["expected_codes", "expected_decision", "escalation_criterion",
                        "teaching_notes", "target_minutes"]},
        ),
    ]


@admin.register(PracticeAttempt)
class PracticeAttemptAdmin(admin.ModelAdmin):
    list_display = ["trainee", "scenario", "status", "score", "started_at", "submitted_at"]
    list_filter = ["status", "scenario"]
    list_select_related = ["trainee", "scenario"]
    search_fields = ["trainee__username", "scenario__title"]
    exclude = ["sealed_key_secret"]
    readonly_fields = [
        "trainee", "scenario", "assigned_by", "case", "status", "sandbox_key_name",
        "sandbox_portfolio_uuid", "case_portfolio_id", "sandbox_extra_keys", "started_at",
        "submitted_at", "decision", "criterion", "identified_codes", "resolution_note", "score",
        "score_breakdown",
    ]

    def has_add_permission(self, request) -> bool:
        return False
