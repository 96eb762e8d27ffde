"""Every URL pattern of the product, and how to fill its arguments from a set of objects.

`url_patterns()` walks `get_resolver()`; `ARGS` says, for each named pattern, which object
fills its arguments. A pattern missing from `ARGS` (other than the admin's, which are
generated per model) fails `test_every_url_pattern_has_a_matrix_entry`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

ADMIN = "admin:"


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    keys: tuple[str, ...]


def _keys(pattern) -> tuple[str, ...]:
    inner = pattern.pattern
    if hasattr(inner, "converters"):
        keys = tuple(inner.converters)
        if keys:
            return keys
    return tuple(inner.regex.groupindex)


def url_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(patterns, prefix: str, namespace: str, keys: tuple[str, ...]):
        for item in patterns:
            if isinstance(item, URLResolver):
                ns = namespace + (f"{item.namespace}:" if item.namespace else "")
                walk(item.url_patterns, prefix + str(item.pattern), ns, keys + _keys(item))
            elif isinstance(item, URLPattern):
                name = namespace + (item.name or f"<unnamed {prefix}{item.pattern}>")
                found.append(Pattern(name, prefix + str(item.pattern), keys + _keys(item)))

    walk(get_resolver().url_patterns, "", "", ())
    return found


# Which object of the world fills each pattern's arguments.
ARGS = {
    "home": {}, "healthz": {}, "login": {}, "logout": {},
    "triage:case_list": {}, "triage:case_create": {},
    "triage:case_detail": {"pk": "case"},
    "triage:case_update": {"pk": "case"},
    "triage:case_transition": {"pk": "case"},
    "triage:case_note_create": {"pk": "case"},
    "triage:checklist_add": {"pk": "case"},
    "triage:checklist_item_update": {"pk": "case", "item_pk": "item"},
    "triage:evidence_create": {"pk": "case"},
    "diagnostics:run_create": {"case_pk": "case"},
    "diagnostics:run_detail": {"pk": "run"},
    "escalations:packet_builder": {"case_pk": "case"},
    "escalations:escalation_detail": {"pk": "escalation"},
    "escalations:escalation_review": {"pk": "escalation"},
    "escalations:packet_detail": {"pk": "packet"},
    "escalations:packet_export": {"pk": "packet", "fmt": "=json"},
    "escalations:notification_list": {},
    "escalations:escalation_queue": {},
    "escalations:radar_banner": {},
    "escalations:dashboard": {},
    "integrations:import_create": {"case_pk": "case"},
    "integrations:import_detail": {"case_pk": "case", "pk": "import"},
    "integrations:entry_reproduce": {"case_pk": "case", "pk": "import", "index": "=0"},
    "integrations:reply_append": {"case_pk": "case"},
    "integrations:reply_save": {"case_pk": "case"},
    "integrations:signature_list": {},
    "integrations:token_list": {},
    "integrations:token_revoke": {"pk": "token"},
    "integrations:webhook_list": {},
    "integrations:webhook_detail": {"pk": "webhook"},
    "integrations:delivery_replay": {"pk": "delivery"},
    "practice:practice_home": {},
    "practice:scenario_start": {"pk": "practice_scenario"},
    "practice:attempt_assign": {},
    "practice:attempt_start": {"pk": "attempt"},
    "practice:attempt_diagnose": {"pk": "attempt"},
    "practice:attempt_submit": {"pk": "attempt"},
    "practice:attempt_scorecard": {"pk": "attempt"},
    "practice:practice_dashboard": {},
    "api:openapi-json": {}, "api:api-root": {},
    "api:case_create": {},
    "api:case_read": {"reference": "case.reference"},
    "api:evidence_create": {"reference": "case.reference"},
    "api:packet_list": {"reference": "case.reference"},
    "api:packet_read": {"packet_id": "packet"},
}

# Sample values for the admin's generated patterns.
ADMIN_SAMPLES = {"object_id": "1", "app_label": "auth", "url": "nothing-here",
                 "content_type_id": "1", "id": "1", "uidb64": "MQ", "token": "x"}


def _value(spec: str, world: dict):
    if spec.startswith("="):
        return spec[1:]
    name, _, attr = spec.partition(".")
    obj = world[name]
    return getattr(obj, attr) if attr else obj.pk


def build_url(pattern: Pattern, world: dict) -> str:
    if "<unnamed " in pattern.name:  # e.g. the admin's redirect from <object_id>/
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_SAMPLES[m.group(1)], pattern.route)
        return "/" + route.replace("^", "").replace("$", "")
    if pattern.name.startswith(ADMIN):
        if not pattern.keys and "(" in pattern.route:  # positional groups (simple-history)
            return reverse(pattern.name, args=["1"] * re.compile(pattern.route).groups)
        kwargs = {key: ADMIN_SAMPLES[key] for key in pattern.keys}
    else:
        kwargs = {key: _value(spec, world) for key, spec in ARGS[pattern.name].items()}
    return reverse(pattern.name, kwargs=kwargs)
