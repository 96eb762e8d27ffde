import json

from django import template
from django.template.loader import render_to_string

from triage.models import ItemState

register = template.Library()


@register.simple_tag
def item_state_choices():
    return ItemState.choices


@register.simple_tag(takes_context=True)
def case_panel(context, panel):
    """Render a registered case panel with ``case``, ``request`` and the panel's context."""
    values = {"case": context.get("case"), **panel.context}
    return render_to_string(panel.template, values, request=context.get("request"))


@register.filter
def state_class(state: str) -> str:
    return {"pass": "status-pass", "fail": "status-fail", "na": "status-skipped"}.get(
        state, "status-pending"
    )


@register.filter
def pretty_json(value) -> str:
    """Indented JSON for display (autoescaped by the template)."""
    return json.dumps(value, indent=2, ensure_ascii=False)
