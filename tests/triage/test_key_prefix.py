"""Whatever is pasted as "the key", only a short prefix reaches the database or a page."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.triage.secrets import KEY_NAME, ec_pem, ed25519_b64, escaped_pem, signed_jwt
from triage.models import Case, Scenario

pytestmark = pytest.mark.django_db

PLANTED = {
    "pem": (ec_pem, ""),
    "escaped pem": (escaped_pem, ""),
    "ed25519 32": (lambda: ed25519_b64(32), ""),
    "ed25519 64": (lambda: ed25519_b64(64), ""),
    "jwt": (signed_jwt, "9f8e7d6c"),
    "key name": (lambda: KEY_NAME, "9f8e7d6c"),
}


def _database_text() -> str:
    """Every triage row, history included, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("triage_"):
                cursor.execute(f'SELECT * FROM "{table}"')
                chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def _fragments(secret: str) -> list[str]:
    """Distinctive pieces of a secret: any of them in storage means a leak."""
    body = secret.replace("\\n", "\n")
    lines = [ln for ln in body.splitlines() if len(ln) > 20 and "-----" not in ln]
    if secret.count(".") == 2:
        return [secret.split(".")[2][:24]]
    if "apiKeys/" in secret:
        return [secret.rsplit("/", 1)[1][8:]]
    return lines or [secret[:24]]


@pytest.mark.parametrize("kind", list(PLANTED))
def test_new_case_form_keeps_only_the_prefix(agent_client, kind):
    make, expected = PLANTED[kind]
    secret = make()
    data = {
        "scenario": Scenario.objects.get(slug="api-keys-not-working").pk,
        "subject": "keys", "priority": "normal", "environment": "production",
        "key_prefix": secret,
    }
    response = agent_client.post(reverse("triage:case_create"), data, follow=True)
    case = Case.objects.get()
    assert case.key_prefix == expected
    html = response.content.decode()
    assert "Key prefix:" in html
    stored = _database_text()
    for fragment in _fragments(secret):
        assert fragment not in stored
        assert fragment not in html


@pytest.mark.parametrize("kind", ["pem", "jwt", "ed25519 64"])
def test_invalid_form_never_echoes_the_secret(agent_client, kind):
    secret = PLANTED[kind][0]()
    data = {
        "scenario": Scenario.objects.get(slug="api-keys-not-working").pk,
        "subject": "keys", "priority": "normal", "environment": "production",
        "key_prefix": secret, "portfolio_id": "not-a-uuid",
    }
    response = agent_client.post(reverse("triage:case_create"), data)
    assert response.status_code == 422
    html = response.content.decode()
    for fragment in _fragments(secret):
        assert fragment not in html
    assert not Case.objects.exists()


def test_case_details_form_keeps_only_the_prefix(agent_client, case):
    secret = ed25519_b64(64)
    data = {"subject": case.subject, "priority": "normal", "environment": "production",
            "key_prefix": secret, "product_id": "BTC-USD"}
    response = agent_client.post(reverse("triage:case_update", args=[case.pk]), data, follow=True)
    case.refresh_from_db()
    assert case.key_prefix == ""
    assert "nothing was kept" in response.content.decode()
    assert secret not in _database_text()
