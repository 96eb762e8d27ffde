from triage.models.cases import (
    REFERENCE_PREFIX,
    Case,
    CaseChecklistItem,
    Evidence,
    ItemState,
    TimelineEvent,
    product_id_validator,
)
from triage.models.knowledge import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    CollectItem,
    EscalationCriterion,
    Scenario,
)

__all__ = [
    "REFERENCE_PREFIX",
    "Case",
    "CaseChecklistItem",
    "ChecklistItem",
    "ChecklistTemplate",
    "ChecklistTemplateVersion",
    "CollectItem",
    "EscalationCriterion",
    "Evidence",
    "ItemState",
    "Scenario",
    "TimelineEvent",
    "product_id_validator",
]
