from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from integrations.models import (
    ErrorSignature,
    EvidenceImport,
    IntegrationToken,
    ReplyTemplate,
    SignatureMatch,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(ErrorSignature)
class ErrorSignatureAdmin(SimpleHistoryAdmin):
    list_display = ("title", "kind", "status_code", "body_pattern", "checklist_item_key",
                    "hit_count", "last_hit_at", "enabled")
    list_filter = ("kind", "enabled")
    search_fields = ("slug", "title", "body_pattern")
    readonly_fields = ("hit_count", "last_hit_at")


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("key", "target", "title", "enabled")
    list_filter = ("target", "enabled")
    search_fields = ("key", "title", "body")


@admin.register(SignatureMatch)
class SignatureMatchAdmin(admin.ModelAdmin):
    list_display = ("signature", "case", "source", "created_at")
    list_select_related = ("signature", "case")
    readonly_fields = [f.name for f in SignatureMatch._meta.fields]


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False  # created on the API tokens page, which shows the value once


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "events", "is_active")

    def has_add_permission(self, request):
        return False  # created on the webhooks page, which shows the secret once


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "endpoint", "event", "status", "attempts", "last_status_code",
                    "created_at")
    list_filter = ("status", "event")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]


@admin.register(EvidenceImport)
class EvidenceImportAdmin(admin.ModelAdmin):
    list_display = ("pk", "case", "kind", "entry_count", "status", "created_at")
    exclude = ("entries",)
    readonly_fields = ("case", "evidence", "kind", "entry_count", "status", "codes", "results",
                       "warnings", "failure_reason", "added_by", "started_at", "finished_at")
