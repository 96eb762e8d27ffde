"""Other apps add panels to the case page through the registry, without triage importing them."""

import pytest

from tests.fixtures.triage import htmx_headers
from triage.models import Case
from triage.panels import register_case_panel, registered_panels, unregister_case_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def panels(tmp_path, settings):
    (tmp_path / "panel_a.html").write_text(
        '<p class="panel-a">{{ case.reference }} has {{ count }} item(s)</p>'
    )
    (tmp_path / "panel_b.html").write_text('<p class="panel-b">second</p>')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    register_case_panel(
        "zz-b", template="panel_b.html", order=-5,
    )
    register_case_panel(
        "zz-a",
        template="panel_a.html",
        get_context=lambda *, request, case: {"count": case.checklist_items.count()},
        order=-10,
    )
    yield
    unregister_case_panel("zz-a")
    unregister_case_panel("zz-b")


def test_registered_panels_render_in_order_with_case_and_context(agent_client, case, panels):
    assert [p.key for p in registered_panels()][:2] == ["zz-a", "zz-b"]
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert f'<p class="panel-a">{case.reference} has 3 item(s)</p>' in html
    assert html.index('id="panel-zz-a"') < html.index('id="panel-zz-b"')
    workspace = agent_client.get(case.get_absolute_url(), headers=htmx_headers()).content.decode()
    assert 'id="panel-zz-a"' in workspace


def test_reference_and_parsing():
    case = Case(pk=123)
    assert case.reference == "CASE-000123"
    assert Case(pk=None).reference == "CASE-new"
    for text, pk in (("CASE-000123", 123), ("case-42", 42), (" 7 ", 7), ("CASE-", None),
                     ("abc", None), ("", None), ("³", None), ("CASE-١٢", None),
                     ("1" * 13, None)):
        assert Case.pk_from_reference(text) == pk
    assert Case.TRANSITIONS[Case.Status.RESOLVED] == (Case.Status.OPEN,)
