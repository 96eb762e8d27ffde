"""python manage.py diagnose — run diagnostic checks from a terminal, in parallel, with the
same code the workers run."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diagnostics import codes
from diagnostics.checks import CHECK_ORDER, CHECKS, Credentials, RunContext, run_check
from diagnostics.management.commands._shared import (
    key_name_from_file,
    read_secret_file,
    render_text,
    result_json,
)


class Command(BaseCommand):
    help = "Run diagnostic checks against the Coinbase Advanced Trade API (or the sandbox)."

    def add_arguments(self, parser):
        parser.add_argument("--rest-base", default="", help="REST base URL")
        parser.add_argument("--ws-market", default="", help="market-data WebSocket URL")
        parser.add_argument("--ws-user", default="", help="user-data WebSocket URL")
        parser.add_argument("--key-name", default="")
        parser.add_argument("--key-secret-file", default="",
                            help="file holding the key secret (or the CDP key JSON file)")
        parser.add_argument("--jwt", default="", help="a customer's token to inspect")
        parser.add_argument("--request", default="",
                            help="the request the token was for: METHOD /path")
        parser.add_argument("--public-key-file", default="")
        parser.add_argument("--product", default="BTC-USD")
        parser.add_argument("--portfolio", default="")
        parser.add_argument("--action", choices=["view", "trade", "transfer"], default="view")
        parser.add_argument("--side", choices=["BUY", "SELL", "buy", "sell"], default="")
        parser.add_argument("--size", default="")
        parser.add_argument("--checks", default="", help="comma-separated check ids")
        parser.add_argument("--deadline", type=float, default=60.0, help="seconds for the run")
        parser.add_argument("--long", action="store_true", help="long WebSocket run")
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--verbose-evidence", action="store_true")
        parser.add_argument("--list", action="store_true", help="list the checks and exit")
        parser.add_argument("--codes-markdown", action="store_true",
                            help="write docs/finding-codes.md from the code table and exit")

    def handle(self, *args, **opts):
        if opts["list"]:
            for check_id in CHECK_ORDER:
                self.stdout.write(f"{check_id:<16} {CHECKS[check_id].title}")
            return
        if opts["codes_markdown"]:
            self.stdout.write(f"wrote {codes.write_docs()}")
            return
        selected = [c.strip() for c in opts["checks"].split(",") if c.strip()] or CHECK_ORDER
        unknown = [c for c in selected if c not in CHECKS]
        if unknown:
            raise CommandError(f"unknown check(s): {', '.join(unknown)}; "
                               f"known: {', '.join(CHECK_ORDER)}")
        ctx = self.context(opts)
        with ThreadPoolExecutor(max_workers=len(selected)) as pool:
            results = list(pool.map(lambda check_id: run_check(check_id, ctx), selected))
        if opts["as_json"]:
            self.stdout.write(json.dumps({"checks": [result_json(r) for r in results]},
                                         indent=2, default=str))
        else:
            self.stdout.write(render_text(results, verbose=opts["verbose_evidence"]))

    def context(self, opts) -> RunContext:
        credentials = None
        if opts["key_secret_file"]:
            name = opts["key_name"] or key_name_from_file(opts["key_secret_file"])
            if not name:
                raise CommandError("--key-name is required with --key-secret-file")
            credentials = Credentials(name, read_secret_file(opts["key_secret_file"]))
        elif opts["key_name"]:
            raise CommandError("--key-secret-file is required with --key-name")
        public_key = read_secret_file(opts["public_key_file"]) if opts["public_key_file"] else ""
        return RunContext(
            rest_base=opts["rest_base"] or settings.COINBASE_REST_BASE,
            ws_market_url=opts["ws_market"] or settings.COINBASE_WS_MARKET_URL,
            ws_user_url=opts["ws_user"] or settings.COINBASE_WS_USER_URL,
            product_id=opts["product"].upper(),
            portfolio_id=opts["portfolio"],
            action=opts["action"],
            side=opts["side"].upper(),
            size=opts["size"],
            customer_jwt=opts["jwt"],
            customer_request=opts["request"],
            public_key_pem=public_key,
            credentials=credentials,
            deadline=time.monotonic() + max(1.0, opts["deadline"]),
            long_run=opts["long"],
        )
