"""Canary needles and the stores they are searched in: database, broker, files.

`Needles` turns planted secrets into every form in which they could leak (raw, JSON-escaped,
URL-encoded, base64, hex, and every 24-character window of a key's body). The dump
functions read each store whole, as text, so a search is a plain substring test.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

WINDOW = 24


def _body(secret: str) -> str:
    """A PEM's base64 body (header lines and newlines removed), or the secret itself."""
    lines = [line.strip() for line in secret.strip().splitlines()]
    return "".join(line for line in lines if line and not line.startswith("-----"))


class Needles:
    """Every searchable form of some secrets and JWT signatures."""

    def __init__(self, *, secrets: list[str], signatures: list[str]):
        forms: dict[str, str] = {}
        for number, secret in enumerate(secrets):
            label = f"secret{number}"
            body = _body(secret)
            forms[f"{label}.raw"] = secret
            forms[f"{label}.json"] = json.dumps(secret)[1:-1]
            forms[f"{label}.url"] = quote(secret, safe="")
            forms[f"{label}.b64"] = base64.b64encode(secret.encode()).decode()[:48]
            forms[f"{label}.body"] = body
            try:
                raw = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if raw:
                forms[f"{label}.hex"] = raw.hex()[:48]
            for start in range(0, max(1, len(body) - WINDOW + 1), 4):
                forms[f"{label}.window{start}"] = body[start:start + WINDOW]
        for number, signature in enumerate(signatures):
            forms[f"signature{number}"] = signature
            forms[f"signature{number}.window"] = signature[8:8 + WINDOW]
        self.forms = {label: value for label, value in forms.items() if len(value) >= 16}

    def hits(self, text: str) -> list[str]:
        return sorted(label for label, value in self.forms.items() if value in text)


# --- stores ------------------------------------------------------------------------------


def dump_database() -> str:
    """SQLite: the whole file as SQL (iterdump). PostgreSQL: every row of every table."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(connection.settings_dict["NAME"])) as db:
            return "\n".join(db.iterdump())
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            lines.extend(f"{table}: {row!r}" for row in cursor.fetchall())
    return "\n".join(lines)


def _decode_message(text: str) -> str:
    """A kombu message keeps its body base64-encoded; add the decoded body to the text."""
    try:
        message = json.loads(text)
    except (ValueError, TypeError):
        return text
    if isinstance(message, dict) and isinstance(message.get("body"), str):
        try:
            return text + "\n" + base64.b64decode(message["body"]).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return text
    return text


def _as_text(value) -> str:
    if isinstance(value, bytes):
        return _decode_message(value.decode("utf-8", "replace"))
    if isinstance(value, dict):
        return "\n".join(_as_text(k) + "=" + _as_text(v) for k, v in value.items())
    if isinstance(value, (list, set, tuple)):
        return "\n".join(_as_text(v) for v in value)
    return str(value)


def dump_redis(url: str) -> str:
    """Every key of the Redis database: its value by type, and its DUMP serialisation."""
    import redis

    client = redis.Redis.from_url(url)
    parts = []
    for key in client.scan_iter(count=500):
        kind = client.type(key).decode()
        if kind == "string":
            value = client.get(key)
        elif kind == "hash":
            value = client.hgetall(key)
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        elif kind == "set":
            value = client.smembers(key)
        elif kind == "zset":
            value = client.zrange(key, 0, -1)
        else:
            value = b""
        dumped = client.dump(key) or b""
        parts.append(f"{key!r} {kind}\n{_as_text(value)}\n{dumped.decode('latin-1')}")
    return "\n".join(parts)


def dump_folder(folder: Path) -> str:
    """Every file under a folder, decoded as text (broker messages with their bodies)."""
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        parts.append(f"{path}\n{_as_text(path.read_bytes())}")
    return "\n".join(parts)


def dump_broker() -> tuple[str, str]:
    """(name, text) of the configured broker: Redis, or the filesystem broker's folders."""
    if settings.BROKER_MODE == "redis":
        return "redis", dump_redis(settings.REDIS_URL)
    var = Path(settings.VAR_DIR)
    return "filesystem broker", dump_folder(var / "celery") + dump_folder(
        var / "diagnostics-credentials"
    )


def database_files() -> str:
    """SQLite only: the raw bytes of the database file and its write-ahead log."""
    if connection.vendor != "sqlite":
        return ""
    name = Path(connection.settings_dict["NAME"])
    files = [name, name.with_name(name.name + "-wal")]
    return "\n".join(p.read_bytes().decode("latin-1") for p in files if p.exists())
