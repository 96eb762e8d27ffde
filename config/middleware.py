import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url


class SessionLifetimeMiddleware:
    """End a session after an idle period or an absolute lifetime, whichever comes first.

    The idle timeout is Django's own cookie age renewed on every request
    (SESSION_SAVE_EVERY_REQUEST); the absolute cap is kept here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.setdefault("auth_started_at", int(time.time()))
            if time.time() - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?next={request.path}")
        return self.get_response(request)
