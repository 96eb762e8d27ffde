"""Liveness of the parts the product needs: database, broker, a Celery worker."""

from django.db import connection


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": type(exc).__name__}


def broker_state(app) -> dict:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
        return {"ok": True, "transport": str(transport)}
    except Exception as exc:  # connection refused, timeouts, DNS
        return {"ok": False, "error": type(exc).__name__}


def worker_state(app, timeout: float = 1.5) -> dict:
    try:
        replies = app.control.ping(timeout=timeout) or []
    except Exception as exc:
        return {"ok": False, "workers": [], "error": type(exc).__name__}
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "workers": names}


def health_report() -> dict:
    from config.celery import app

    report = {"database": database_state(), "broker": broker_state(app)}
    report["worker"] = (
        worker_state(app) if report["broker"]["ok"] else {"ok": False, "workers": []}
    )
    report["ok"] = all(part["ok"] for part in report.values())
    return report
