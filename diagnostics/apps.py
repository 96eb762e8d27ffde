from django.apps import AppConfig

SWEEP_EVERY_SECONDS = 60.0


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Diagnostics"

    def ready(self) -> None:
        from config.celery import app
        from triage.panels import register_case_panel

        register_case_panel(
            "diagnostics",
            template="diagnostics/_case_panel.html",
            get_context=_case_panel_context,
            order=20,
        )
        # With `celery beat` running, overdue runs are also swept periodically.
        schedule = dict(app.conf.beat_schedule or {})
        schedule["diagnostics-sweep"] = {
            "task": "diagnostics.runs_sweep",
            "schedule": SWEEP_EVERY_SECONDS,
        }
        app.conf.beat_schedule = schedule


def _case_panel_context(*, request, case) -> dict:
    from diagnostics.selectors import case_runs

    return {"runs": case_runs(case=case)}
