from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from triage.panels import register_case_panel

        register_case_panel(
            "escalations",
            template="escalations/_case_panel.html",
            get_context=case_panel_context,
            order=40,
        )


def case_panel_context(*, request, case) -> dict:
    """The case page's escalation panel: status, SLA timers, similar cases (constant queries)."""
    from django.utils import timezone

    from escalations import selectors

    now = timezone.now()
    escalation = selectors.case_active_escalation(case=case)
    return {
        "esc_escalation": escalation,
        "esc_timers": selectors.case_sla(case=case, escalation=escalation, now=now),
        "esc_similar": selectors.similar_cases(case=case, now=now),
    }
