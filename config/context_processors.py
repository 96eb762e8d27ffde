from django.conf import settings


def shell(request) -> dict:
    """Values the base template needs on every page."""
    user = getattr(request, "user", None)
    is_lead = bool(user and user.is_authenticated and user.has_perm("triage.review_escalation"))
    return {"DEMO_MODE": settings.DEMO_MODE, "user_is_lead": is_lead}
