from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from triage.models import Evidence
        from triage.panels import register_case_panel

        register_case_panel(
            "integrations",
            template="integrations/_case_panel.html",
            get_context=_case_panel_context,
            order=30,
        )
        post_save.connect(
            _evidence_saved, sender=Evidence, dispatch_uid="integrations-signature-match"
        )
        from diagnostics.signals import run_finished
        from escalations.signals import escalation_event

        escalation_event.connect(_escalation_event, dispatch_uid="integrations-webhooks")
        run_finished.connect(_run_finished, dispatch_uid="integrations-run-signatures")
        # With `celery beat` running, finished diagnostic runs are matched against the
        # error-signature library every minute (each hit counted once).
        from config.celery import app

        schedule = dict(app.conf.beat_schedule or {})
        schedule["integrations-signature-sweep"] = {
            "task": "integrations.signature_match_recent_runs",
            "schedule": 60.0,
        }
        app.conf.beat_schedule = schedule


def _case_panel_context(*, request, case) -> dict:
    from integrations.views.cases import case_panel_context

    return case_panel_context(request=request, case=case)


def _evidence_saved(sender, instance, created, **kwargs) -> None:
    """Pasted evidence is matched against the error-signature library by a worker."""
    if created and not kwargs.get("raw"):
        from integrations.tasks import signature_match_evidence_task

        signature_match_evidence_task.delay_on_commit(evidence_id=instance.pk)


def _escalation_event(sender, event: str, payload: dict, **kwargs) -> None:
    """Escalation events go to subscribed webhook endpoints (sent after commit)."""
    from integrations.webhooks import emit

    emit(event, payload)


def _run_finished(sender, run_id: int, **kwargs) -> None:
    """A finished run's results are matched against the error-signature library."""
    from integrations.tasks import signature_match_run_task

    signature_match_run_task.delay_on_commit(run_id=run_id)
