"""Demo users for `make run`: passwords generated once, kept in var/, printed on start."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User

from triage.roles import AGENTS, TEAM_LEADS

DEMO_USERS = {"agent": AGENTS, "lead": TEAM_LEADS}


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


def demo_logins() -> dict[str, str]:
    path = _logins_file()
    return json.loads(path.read_text()) if path.exists() else {}


def seed_demo_users() -> dict[str, str]:
    """Create (or repair) the demo users; idempotent. Returns username -> password."""
    logins = demo_logins()
    for username, group in DEMO_USERS.items():
        password = logins.get(username) or f"{username}-{secrets.token_urlsafe(9)}"
        logins[username] = password
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = group == TEAM_LEADS
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=group))
    path = _logins_file()
    path.write_text(json.dumps(logins))
    path.chmod(0o600)
    return logins
