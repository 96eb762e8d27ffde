"""A real webhook receiver: an http.server thread on loopback that records what it gets."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # consumed in order; then 200
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"received {len(self.received)} of {count} deliveries")


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver = state["receiver"]
            with receiver.lock:
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append(Received(time.monotonic(), self.path,
                                                  dict(self.headers.items()), body, status))
            payload = b'{"ok":true}' if status < 300 else b"temporarily broken"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state["receiver"], server
