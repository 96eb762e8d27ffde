"""Read-only admin views of diagnostic runs, for operations (results are redacted)."""

from django.contrib import admin

from diagnostics.models import CheckRun, DiagnosticRun


class CheckRunInline(admin.TabularInline):
    model = CheckRun
    extra = 0
    can_delete = False
    fields = ("check_id", "status", "codes", "summary", "duration_ms", "delivery_count",
              "claimed_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DiagnosticRun)
class DiagnosticRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "case", "status", "requested_by", "created_at", "finished_at",
                    "delivery_count")
    list_filter = ("status",)
    list_select_related = ("case", "requested_by")
    search_fields = ("=case__pk", "key_prefix", "failure_reason")
    exclude = ("credentials_handle",)
    inlines = [CheckRunInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
