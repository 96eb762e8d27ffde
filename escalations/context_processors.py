from escalations.selectors import notifications_unread_count


def badge(request) -> dict:
    """The escalation notification count for the nav badge (one query when logged in)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"escalation_badge": notifications_unread_count(user=user)}
