from django.contrib import admin

from escalations.models import Packet, ReviewEvent, SlaTarget


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = [
        "scenario",
        "priority",
        "first_diagnosis_minutes",
        "escalation_minutes",
        "resolution_minutes",
    ]
    list_filter = ["priority", "scenario"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Submitted packets and the audit trail are visible, never editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Packet)
class PacketAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_by", "created_at", "content_hash"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ["escalation", "actor", "action", "from_status", "to_status", "at"]
    list_filter = ["action"]
