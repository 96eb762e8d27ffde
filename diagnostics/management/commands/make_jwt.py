"""python manage.py make_jwt — print a token for one REST call (with --uri) or for
WebSocket messages (without), as the module's sample script does."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from diagnostics import jwt_tools
from diagnostics.management.commands._shared import key_name_from_file, read_secret_file


class Command(BaseCommand):
    help = "Build a Coinbase CDP JWT from a key (REST with --uri, WebSocket without)."

    def add_arguments(self, parser):
        parser.add_argument("--key-name", default="")
        parser.add_argument("--key-secret-file", required=True)
        parser.add_argument("--uri", default="",
                            help='e.g. "GET api.coinbase.com/api/v3/brokerage/products"')

    def handle(self, *args, **opts):
        name = opts["key_name"] or key_name_from_file(opts["key_secret_file"])
        if not name:
            raise CommandError("--key-name is required (or a key JSON file with a name)")
        secret = read_secret_file(opts["key_secret_file"])
        uri = opts["uri"].strip()
        if uri:
            from diagnostics.checks.jwt_checks import analyse_uri

            host = uri.split(" ", 1)[-1].split("/", 1)[0]
            problems = [c for c in analyse_uri(uri, host.lower())[0]
                        if c != "JWT_URI_WRONG_HOST"]
            if problems:
                raise CommandError(f"--uri must look like \"GET api.coinbase.com/api/v3/"
                                   f"brokerage/products\" ({', '.join(problems)})")
        try:
            token = jwt_tools.build_jwt(name, secret, uri=uri or None)
        except jwt_tools.KeyMaterialError as exc:
            raise CommandError(f"the key secret cannot be used: {exc}") from None
        self.stdout.write(token)
