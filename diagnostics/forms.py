"""The run form: what to check, against which targets, with which credentials.

Secret fields (key name and secret, the customer's token) use widgets that never render
a submitted value back into the page; after an error the agent pastes them again.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from diagnostics.checks.base import CHECKS
from diagnostics.models import DiagnosticRun
from diagnostics.selectors import check_choices
from triage.models import product_id_validator

SECRET_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off",
                "data-lpignore": "true"}
_REQUEST = re.compile(r"^(GET|POST|PUT|DELETE|PATCH|HEAD) /\S{1,250}$")


class SecretInput(forms.TextInput):
    """A text input that never renders its submitted value."""

    def format_value(self, value):
        return None


class SecretTextarea(forms.Textarea):
    """A textarea that never renders its submitted value (PEM keys keep their newlines)."""

    def format_value(self, value):
        return None


def _target(value: str, schemes: tuple[str, ...], label: str) -> str:
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationError(
            f"Enter the {label} as a URL starting with {' or '.join(s + '://' for s in schemes)}."
        )
    if parts.username or parts.password:
        raise ValidationError("Leave credentials out of the URL.")
    return value


class RunForm(forms.Form):
    checks = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Pick at least one check."}
    )
    product_id = forms.CharField(
        max_length=21, required=False, validators=[product_id_validator], label="Product pair"
    )
    portfolio_id = forms.UUIDField(required=False, label="Portfolio id")
    action = forms.ChoiceField(
        choices=DiagnosticRun.Action.choices, initial=DiagnosticRun.Action.VIEW,
        label="What the customer is trying to do",
    )
    side = forms.ChoiceField(choices=DiagnosticRun.Side.choices, required=False)
    size = forms.DecimalField(required=False, min_value=0, max_digits=30, decimal_places=12,
                              label="Order size")
    key_name = forms.CharField(
        required=False, max_length=300, widget=SecretInput(attrs=SECRET_ATTRS),
        help_text="organizations/{org_id}/apiKeys/{key_id}. Only its first characters are kept.",
    )
    key_secret = forms.CharField(
        required=False, max_length=10_000, strip=False,
        widget=SecretTextarea(attrs={**SECRET_ATTRS, "rows": 4}),
        help_text="Held in worker memory for a few minutes, never stored or shown again.",
    )
    customer_jwt = forms.CharField(
        required=False, max_length=8_000, label="Customer's JWT",
        widget=SecretTextarea(attrs={**SECRET_ATTRS, "rows": 3}),
        help_text="Inspected without trusting it; only its header and claims are kept.",
    )
    customer_request = forms.CharField(
        required=False, max_length=260, label="Request the token was made for",
        help_text='For example "GET /api/v3/brokerage/accounts".',
    )
    customer_time = forms.IntegerField(
        required=False, min_value=0, max_value=10**11, label="Customer's clock (epoch seconds)"
    )
    public_key_pem = forms.CharField(
        required=False, max_length=4_000, label="Public key (PEM), to verify the signature",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    customer_ip = forms.GenericIPAddressField(
        required=False, label="Customer's egress IP", unpack_ipv4=True
    )
    key_allowed_ips = forms.CharField(
        required=False, max_length=1000, label="The key's IP allowlist",
        help_text="Addresses or networks, separated by commas or spaces.",
    )
    level2 = forms.BooleanField(required=False, label="Also subscribe to level2")
    long_run = forms.BooleanField(
        required=False, label="Long run (refresh the WebSocket JWT before it expires)"
    )
    ws_user_reproduce = forms.ChoiceField(
        required=False, label="Reproduce on the user channel",
        choices=[("", "Nothing (a fresh JWT)"), ("no_jwt", "Subscribing without a JWT"),
                 ("expired_jwt", "Subscribing with an expired JWT")],
    )
    page_limit = forms.IntegerField(
        required=False, min_value=1, max_value=250, label="Page size for list endpoints"
    )
    rest_base = forms.CharField(max_length=300, label="REST base URL")
    ws_market_url = forms.CharField(max_length=300, label="Market WebSocket URL")
    ws_user_url = forms.CharField(max_length=300, label="User WebSocket URL")

    def __init__(self, *args, case=None, default_checks: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checks"].choices = check_choices()
        self.fields["rest_base"].initial = settings.COINBASE_REST_BASE
        self.fields["ws_market_url"].initial = settings.COINBASE_WS_MARKET_URL
        self.fields["ws_user_url"].initial = settings.COINBASE_WS_USER_URL
        if default_checks is not None:
            self.fields["checks"].initial = default_checks
        if case is not None:
            self.fields["product_id"].initial = case.product_id
            self.fields["portfolio_id"].initial = case.portfolio_id

    @property
    def checks_needing_credentials(self) -> list[str]:
        return [cid for cid, spec in CHECKS.items() if spec.needs_credentials]

    def clean_rest_base(self) -> str:
        return _target(self.cleaned_data["rest_base"], ("https", "http"), "REST base")

    def clean_ws_market_url(self) -> str:
        return _target(self.cleaned_data["ws_market_url"], ("wss", "ws"), "market WebSocket URL")

    def clean_ws_user_url(self) -> str:
        return _target(self.cleaned_data["ws_user_url"], ("wss", "ws"), "user WebSocket URL")

    def clean_customer_request(self) -> str:
        value = " ".join(self.cleaned_data["customer_request"].split())
        if value and not _REQUEST.match(value):
            raise ValidationError(
                'Enter a method and a path, like "GET /api/v3/brokerage/accounts".'
            )
        return value

    def clean_key_allowed_ips(self) -> list[str]:
        import ipaddress

        entries = self.cleaned_data["key_allowed_ips"].replace(",", " ").split()
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValidationError(f"{entry[:40]} is not an IP address or network.") from None
        return entries

    def clean_key_name(self) -> str:
        value = self.cleaned_data["key_name"].strip()
        if "-----BEGIN" in value or "\n" in value:
            raise ValidationError(
                "That looks like the secret. Put the key name here and the secret below."
            )
        return value

    def clean(self):
        data = super().clean()
        if data.get("key_secret") and not data.get("key_name"):
            self.add_error("key_name", "Enter the key name that goes with the secret.")
        if data.get("side") and data.get("size") is None:
            self.add_error("size", "Enter the order size to check the balance against.")
        if data.get("size") is not None and not data.get("side"):
            self.add_error("side", "Pick buy or sell for the order size.")
        return data

    def _options(self) -> dict:
        data = self.cleaned_data
        options: dict = {}
        if data.get("level2"):
            options["level2"] = True
        if data.get("ws_user_reproduce"):
            options["ws_user_reproduce"] = data["ws_user_reproduce"]
        if data.get("page_limit"):
            options["page_limit"] = data["page_limit"]
        return options

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "checks": data["checks"],
            "product_id": data.get("product_id") or "",
            "portfolio_id": str(data["portfolio_id"]) if data.get("portfolio_id") else "",
            "action": data["action"],
            "side": data.get("side") or "",
            "size": format(data["size"], "f") if data.get("size") is not None else "",
            "key_name": data.get("key_name") or "",
            "key_secret": data.get("key_secret") or "",
            "customer_jwt": (data.get("customer_jwt") or "").strip(),
            "customer_request": data.get("customer_request") or "",
            "customer_time": data.get("customer_time"),
            "public_key_pem": data.get("public_key_pem") or "",
            "customer_ip": data.get("customer_ip") or "",
            "key_allowed_ips": data.get("key_allowed_ips") or [],
            "long_run": bool(data.get("long_run")),
            "options": self._options(),
            "rest_base": data["rest_base"],
            "ws_market_url": data["ws_market_url"],
            "ws_user_url": data["ws_user_url"],
        }
