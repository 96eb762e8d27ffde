from triage.views.cases import (
    case_create,
    case_detail,
    case_list,
    case_note_create,
    case_transition,
    case_update,
)
from triage.views.work import checklist_add, checklist_item_update, evidence_create

__all__ = [
    "case_create",
    "case_detail",
    "case_list",
    "case_note_create",
    "case_transition",
    "case_update",
    "checklist_add",
    "checklist_item_update",
    "evidence_create",
]
