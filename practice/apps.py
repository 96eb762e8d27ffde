from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from triage.panels import register_case_panel

        register_case_panel(
            "practice", template="practice/_case_panel.html",
            get_context=_case_panel_context, order=5,
        )


def _case_panel_context(*, request, case) -> dict:
    from practice.views import case_panel_context

    return case_panel_context(request=request, case=case)
