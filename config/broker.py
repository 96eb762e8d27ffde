"""Choose the Celery broker: Redis when REDIS_URL answers, else a serverless one.

The embedded default is kombu's filesystem transport in var/celery, which a real
worker process consumes just like Redis, so a laptop needs no running service.
"""

import socket
from pathlib import Path
from urllib.parse import urlsplit

VISIBILITY_TIMEOUT = 900  # seconds; above every task's hard limit times its retries


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """True when a TCP connection to the Redis URL's host and port succeeds."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout):
            return True
    except OSError:
        return False


def broker_settings(redis_url: str, folder: Path) -> dict:
    if redis_url and redis_answers(redis_url):
        options = {"visibility_timeout": VISIBILITY_TIMEOUT, "socket_connect_timeout": 3,
                   "socket_timeout": 5}
        return {
            "mode": "redis",
            "broker_url": redis_url,
            "result_backend": redis_url,
            "transport_options": options,
            "result_transport_options": options,
        }
    for sub in ("in", "processed", "results"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "mode": "filesystem",
        "broker_url": "filesystem://",
        "result_backend": f"file://{folder / 'results'}",
        "transport_options": {
            "data_folder_in": str(folder / "in"),
            "data_folder_out": str(folder / "in"),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
            "control_folder": str(folder / "control"),
        },
        "result_transport_options": {},
    }
