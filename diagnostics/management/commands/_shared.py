"""What the diagnostics commands share: reading a key file and printing results."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import CommandError

from diagnostics.checks import CheckResult

MAX_SECRET_FILE = 64 * 1024


def read_secret_file(path: str) -> str:
    """The key secret from a file: a bare secret, or a CDP key JSON file (privateKey)."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_SECRET_FILE:
            raise CommandError(f"{path} is larger than a key file can be")
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read the key secret file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError("the key secret file is not UTF-8 text") from None
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            raise CommandError("the key secret file looks like JSON but does not parse") from None
        secret = data.get("privateKey") if isinstance(data, dict) else None
        if not isinstance(secret, str):
            raise CommandError("the key JSON file has no privateKey")
        return secret
    return stripped


def key_name_from_file(path: str) -> str:
    """A CDP key JSON file also names its key (name, or id for new keys)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict):
        return str(data.get("name") or data.get("id") or "")
    return ""


def result_json(result: CheckResult) -> dict:
    return {
        "id": result.check_id,
        "status": str(result.status),
        "codes": result.codes,
        "summary": result.summary,
        "advice": result.advice,
        "duration_ms": result.duration_ms,
        "details": result.details,
        "evidence": [asdict(item) for item in result.evidence],
    }


MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}


def render_text(results: list[CheckResult], *, verbose: bool = False) -> str:
    lines = []
    for result in results:
        status = str(result.status)
        codes = f"  [{', '.join(result.codes)}]" if result.codes else ""
        lines.append(f"{MARKS[status]:<5} {result.check_id:<16} {result.duration_ms:>7.0f} ms"
                     f"{codes}")
        lines.append(f"      {result.summary}")
        if result.advice and status in ("warn", "fail", "error"):
            lines.append(f"      Advice: {result.advice}")
        if verbose:
            for item in result.evidence:
                if getattr(item, "kind", "") == "ws":
                    lines.append(f"        ws {item.direction}: {item.data[:160]}")
                else:
                    ids = " ".join(f"{k}={v}" for k, v in item.correlation_ids.items())
                    lines.append(f"        {item.method} {item.url} -> {item.status} "
                                 f"({item.duration_ms:.0f} ms) {ids} {item.error}".rstrip())
    counts = {}
    for result in results:
        counts[str(result.status)] = counts.get(str(result.status), 0) + 1
    lines.append("")
    lines.append("Totals: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return "\n".join(lines)
