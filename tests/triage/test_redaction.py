"""The one redactor: every secret form the product may be handed."""

import json

import pytest

from tests.triage.secrets import (
    KEY_NAME,
    ec_pem,
    ed25519_b64,
    escaped_pem,
    jwt_parts,
    signed_jwt,
)
from triage.redaction import (
    PEM_REDACTED,
    REDACTED,
    SIGNATURE_REDACTED,
    find_secrets,
    key_prefix,
    redact_data,
    redact_header_value,
    redact_headers,
    redact_text,
)


def test_authorization_bearer_keeps_header_and_claims_drops_signature():
    token = signed_jwt()
    header, claims, signature = jwt_parts(token)
    redacted = redact_header_value("Authorization", f"Bearer {token}")
    assert redacted == f"Bearer {header}.{claims}.{SIGNATURE_REDACTED}"
    assert signature not in redacted


def test_authorization_other_schemes_lose_the_credential():
    assert redact_header_value("Authorization", "Basic dXNlcjpwYXNzd29yZA==") == f"Basic {REDACTED}"


@pytest.mark.parametrize("name", ["Cookie", "Set-Cookie", "CB-ACCESS-SIGN", "cb-access-passphrase"])
def test_credential_headers_are_redacted(name):
    assert redact_headers({name: "session=abcdef0123456789"}) == {name: REDACTED}


def test_headers_as_pairs_keep_names_and_order():
    pairs = [("Host", "api.coinbase.com"), ("Cookie", "a=b; c=d")]
    assert redact_headers(pairs) == [("Host", "api.coinbase.com"), ("Cookie", REDACTED)]


def test_header_lines_in_free_text():
    token = signed_jwt()
    text = f"GET /x HTTP/1.1\nAuthorization: Bearer {token}\nCookie: __cf_bm=secretvalue123\n"
    out = redact_text(text)
    assert jwt_parts(token)[2] not in out
    assert "secretvalue123" not in out
    assert "Cookie: [REDACTED]" in out


def test_whole_jwt_in_text_keeps_header_and_claims():
    token = signed_jwt()
    header, claims, signature = jwt_parts(token)
    out = redact_text(f'jwt used: {token} (from the SDK)')
    assert f"{header}.{claims}.{SIGNATURE_REDACTED}" in out
    assert signature not in out


def test_pem_block_is_removed():
    pem = ec_pem()
    out = redact_text(f"my key:\n{pem}\nthanks")
    assert "BEGIN EC PRIVATE KEY" not in out
    assert PEM_REDACTED in out
    assert pem.splitlines()[1] not in out


def test_pem_block_with_escaped_newlines_is_removed():
    pem = escaped_pem()
    body = json.dumps({"name": KEY_NAME, "privateKey": "PEM"}).replace("PEM", pem)
    out = redact_text(body)
    assert "PRIVATE KEY-----\\n" not in out
    assert pem.split("\\n")[1] not in out
    assert KEY_NAME in out


def test_truncated_pem_block_is_removed():
    pem = ec_pem()
    cut = pem[: len(pem) // 2]
    assert cut.splitlines()[1] not in redact_text(cut)


@pytest.mark.parametrize("length", [32, 64])
def test_base64_ed25519_secret_is_removed(length):
    secret = ed25519_b64(length)
    out = redact_text(f"here is the secret {secret} ok")
    assert secret not in out
    assert REDACTED in out


@pytest.mark.parametrize(
    "line",
    [
        "COINBASE_API_SECRET={}",
        "export COINBASE_API_SECRET='{}'",
        'COINBASE_API_SECRET="{}"',
        "api_secret: {}",
    ],
)
def test_secret_assignments_are_removed(line):
    secret = ed25519_b64(64)
    out = redact_text(line.format(secret))
    assert secret not in out
    assert REDACTED in out


def test_env_file_with_escaped_pem_assignment():
    pem = escaped_pem()
    out = redact_text(f'COINBASE_API_KEY="{KEY_NAME}"\nCOINBASE_API_SECRET="{pem}"\n')
    assert pem.split("\\n")[1] not in out
    assert KEY_NAME in out


def test_redact_data_secret_named_keys_and_nested_strings():
    token = signed_jwt()
    data = {
        "name": KEY_NAME,
        "privateKey": ec_pem(),
        "nested": [{"api_secret": "abcdefghijkl"}, {"jwt": token}],
        "count": 3,
    }
    out = redact_data(data)
    assert out["name"] == KEY_NAME
    assert out["privateKey"] == REDACTED
    assert out["nested"][0]["api_secret"] == REDACTED
    assert jwt_parts(token)[2] not in json.dumps(out)
    assert out["count"] == 3


def test_redact_text_is_idempotent():
    text = f"Authorization: Bearer {signed_jwt()}\n{ec_pem()}\nSECRET={ed25519_b64(32)}"
    once = redact_text(text)
    assert redact_text(once) == once
    assert find_secrets(once) == []


def test_find_secrets_names_the_kind_and_place():
    findings = find_secrets({"a": {"b": ec_pem()}, "c": [signed_jwt()]})
    assert [(f.kind, f.where) for f in findings] == [
        ("PEM private key", "$.a.b"),
        ("signed JWT", "$.c[0]"),
    ]


def test_ordinary_text_is_untouched():
    text = 'GET /api/v3/brokerage/products?limit=50 HTTP/1.1\nx-request-id: 5b0c2f7e-8d1a\n{"a": 1}'
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("value", "prefix", "was_secret"),
    [
        (KEY_NAME, "9f8e7d6c", True),
        ("9f8e7d6c-5b4a-4321-9abc-def012345678", "9f8e7d6c", True),
        ("9f8e7d6c", "9f8e7d6c", False),
        ("", "", False),
    ],
)
def test_key_prefix_keeps_only_the_start_of_the_key_id(value, prefix, was_secret):
    result = key_prefix(value)
    assert (result.prefix, result.was_secret) == (prefix, was_secret)


@pytest.mark.parametrize("make", [ec_pem, escaped_pem, lambda: ed25519_b64(32),
                                  lambda: ed25519_b64(64)])
def test_key_prefix_keeps_nothing_of_a_secret(make):
    result = key_prefix(make())
    assert result.prefix == ""
    assert result.was_secret is True
    assert "nothing was kept" in result.note


def test_key_prefix_of_a_jwt_keeps_its_kid_prefix():
    result = key_prefix(signed_jwt())
    assert result.prefix == "9f8e7d6c"
    assert result.was_secret is True


def test_key_prefix_is_stable():
    first = key_prefix(KEY_NAME).prefix
    assert key_prefix(first).prefix == first
