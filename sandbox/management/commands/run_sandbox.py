"""`manage.py run_sandbox`: the local Advanced Trade sandbox (REST, WebSockets, control API)."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.server.runner import configure_logging, serve
from sandbox.server.state import Options

LOOPBACK = "127.0.0.1/32,::1/128"


def is_loopback(host: str) -> bool:
    """The default local mode: listening on a loopback address only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = "Run the local Advanced Trade sandbox (REST, market/user WebSockets, control API)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8701)
        parser.add_argument("--tls-port", type=int, default=None,
                            help="also serve HTTPS/WSS on this port (self-signed local CA)")
        parser.add_argument("--tls-dir", default=None,
                            help="where the CA and certificate live (default VAR_DIR/sandbox-tls)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--log-file", default=None,
                            help="append the request log here (default VAR_DIR/sandbox.log)")
        parser.add_argument("--demo-keys-file", default=None,
                            help="demo keys with private halves, mode 600 "
                                 "(default VAR_DIR/sandbox-demo-keys.json)")
        parser.add_argument("--no-control", action="store_true",
                            help="disable the /_sandbox/ control API")
        parser.add_argument("--control-allow", default=None,
                            help="comma-separated networks allowed to use the control API; "
                                 "without it the control API is on only when --host is a "
                                 "loopback address, and then for loopback callers only")
        parser.add_argument("--private-rate-limit", type=int, default=30)
        parser.add_argument("--public-rate-limit", type=int, default=10)
        parser.add_argument("--ws-unauth-msgs-per-second", type=int, default=8)
        parser.add_argument("--ws-connections-per-second", type=int, default=750)
        parser.add_argument("--subscribe-deadline", type=float, default=5.0)
        parser.add_argument("--l2-rate", type=float, default=8.0,
                            help="level2 update messages per second per subscribed product")
        faults = parser.add_argument_group("faults (same meaning as POST /_sandbox/faults)")
        faults.add_argument("--clock-offset", type=float, dest="clock_offset_s")
        faults.add_argument("--latency-ms", type=int)
        faults.add_argument("--rate-limit-storm", action="store_true", default=None)
        faults.add_argument("--server-error-burst", type=int)
        faults.add_argument("--ws-drop-after", type=int)
        faults.add_argument("--ws-sequence-gap", action="store_true", default=None)
        faults.add_argument("--ws-heartbeat-stall", action="store_true", default=None)
        faults.add_argument("--ip-not-allowlisted", action="store_true", default=None)
        faults.add_argument("--revoke-key", action="append", default=[], dest="revoked_keys")

    def handle(self, *args, **opts):
        var_dir = Path(settings.VAR_DIR)
        log_file = Path(opts["log_file"]) if opts["log_file"] else var_dir / "sandbox.log"
        configure_logging(log_file)
        options = Options(
            seed=opts["seed"],
            private_rate_limit=opts["private_rate_limit"],
            public_rate_limit=opts["public_rate_limit"],
            ws_unauth_msgs_per_s=opts["ws_unauth_msgs_per_second"],
            ws_connections_per_s=opts["ws_connections_per_second"],
            subscribe_deadline_s=opts["subscribe_deadline"],
            l2_rate=opts["l2_rate"],
            control_enabled=not opts["no_control"] and (
                opts["control_allow"] is not None or is_loopback(opts["host"])),
            control_allow=tuple(n.strip() for n in (opts["control_allow"] or LOOPBACK).split(",")
                                if n.strip()),
        )
        fault_names = ("clock_offset_s", "latency_ms", "rate_limit_storm", "server_error_burst",
                       "ws_drop_after", "ws_sequence_gap", "ws_heartbeat_stall",
                       "ip_not_allowlisted")
        faults = {name: opts[name] for name in fault_names if opts.get(name) is not None}
        demo_path = (Path(opts["demo_keys_file"]) if opts["demo_keys_file"]
                     else var_dir / "sandbox-demo-keys.json")
        tls_dir = Path(opts["tls_dir"]) if opts["tls_dir"] else var_dir / "sandbox-tls"

        def announce(state):
            out = self.stdout
            out.write(f"Sandbox listening on http://{opts['host']}:{opts['port']} "
                      f"(seed {options.seed}, log {log_file})")
            if "tls" in state.info:
                out.write(f"  TLS: {state.info['tls']}  CA: {state.info['ca_path']}")
            out.write(f"  Demo keys (private halves in {demo_path}, mode 600):")
            for demo in state.world.demo_secrets:
                out.write(f"    {demo['nickname']:<20} {demo['algorithm']:<6} "
                          f"{','.join(demo['permissions']):<22} {demo['key_name']}")
            if not options.control_enabled:
                out.write("  Control API off (not in local mode; see --control-allow)")
            if faults or opts["revoked_keys"]:
                out.write(f"  Faults on: {faults} revoked={opts['revoked_keys']}")
            out.flush()

        asyncio.run(serve(
            host=opts["host"], port=opts["port"], tls_port=opts["tls_port"], tls_dir=tls_dir,
            options=options, faults=faults, revoked=opts["revoked_keys"],
            demo_keys_path=demo_path, announce=announce,
        ))
