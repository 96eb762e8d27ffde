"""python manage.py inspect_jwt TOKEN — jwt.inspect alone, from a terminal."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from diagnostics.checks import RunContext, run_check
from diagnostics.management.commands._shared import read_secret_file, render_text, result_json


class Command(BaseCommand):
    help = "Decode and check a Coinbase CDP JWT without trusting it."

    def add_arguments(self, parser):
        parser.add_argument("token")
        parser.add_argument("--server-time", type=int, default=None,
                            help="the server clock (epoch seconds); read from /time if absent")
        parser.add_argument("--request", default="",
                            help="the request the token was for: METHOD /path")
        parser.add_argument("--use", choices=["rest", "ws"], default="")
        parser.add_argument("--public-key-file", default="")
        parser.add_argument("--rest-base", default="")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, **opts):
        options = {}
        if opts["server_time"] is not None:
            options["server_time"] = opts["server_time"]
        if opts["use"]:
            options["jwt_use"] = opts["use"]
        ctx = RunContext(
            rest_base=opts["rest_base"] or settings.COINBASE_REST_BASE,
            ws_market_url="", ws_user_url="",
            customer_jwt=opts["token"], customer_request=opts["request"],
            public_key_pem=read_secret_file(opts["public_key_file"])
            if opts["public_key_file"] else "",
            deadline=time.monotonic() + 10, options=options,
        )
        result = run_check("jwt.inspect", ctx)
        if opts["as_json"]:
            self.stdout.write(json.dumps(result_json(result), indent=2, default=str))
            return
        self.stdout.write(render_text([result]))
        token = result.details.get("token") or {}
        if token.get("header") or token.get("claims"):
            self.stdout.write("\nHeader: " + json.dumps(token.get("header"), sort_keys=True))
            self.stdout.write("Claims: " + json.dumps(token.get("claims"), sort_keys=True))
        for note in result.details.get("notes", []):
            self.stdout.write(f"  - {note}")
