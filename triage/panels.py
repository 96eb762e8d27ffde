"""Extension point: other apps add panels to the case page without triage importing them.

In an app's ``AppConfig.ready()``::

    from triage.panels import register_case_panel

    register_case_panel(
        "diagnostics",
        template="diagnostics/_case_panel.html",
        get_context=lambda *, request, case: {"runs": diagnostic_runs_for_case(case=case)},
        order=20,
    )

The case page renders registered panels by ``order`` (then key) after the checklists. Each
panel template receives ``case``, ``request`` and the dict returned by ``get_context``; it is
wrapped in ``<section id="panel-<key>">``. ``get_context`` should run a constant number of
queries (select_related/prefetch), since the page's query count is tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CasePanel:
    key: str
    template: str
    get_context: Callable[..., dict] | None
    order: int


_PANELS: dict[str, CasePanel] = {}


def register_case_panel(
    key: str, template: str, get_context: Callable[..., dict] | None = None, order: int = 100
) -> None:
    """Register (or replace, by key) a panel shown on every case page."""
    _PANELS[key] = CasePanel(key=key, template=template, get_context=get_context, order=order)


def unregister_case_panel(key: str) -> None:
    _PANELS.pop(key, None)


def registered_panels() -> list[CasePanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    template: str
    context: dict


def case_panels(*, request, case) -> list[RenderedPanel]:
    """The panels for one case page, with their contexts computed."""
    return [
        RenderedPanel(
            key=panel.key,
            template=panel.template,
            context=panel.get_context(request=request, case=case) if panel.get_context else {},
        )
        for panel in registered_panels()
    ]
