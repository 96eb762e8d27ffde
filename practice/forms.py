"""Input forms of practice mode: assign, run diagnostics, submit the outcome."""

from __future__ import annotations

from django import forms

from practice.models import Decision, PracticeScenario
from practice.selectors import scenario_library, trainees
from triage.models import EscalationCriterion


def finding_code_choices() -> list[tuple[str, str]]:
    from diagnostics.codes import CODES

    return [(code, f"{code} · {entry.title}") for code, entry in sorted(CODES.items())]


def check_choices() -> list[tuple[str, str]]:
    from diagnostics.checks import CHECK_ORDER, CHECKS

    ordered = [c for c in CHECK_ORDER if c in CHECKS] + sorted(set(CHECKS) - set(CHECK_ORDER))
    return [(c, f"{c} · {CHECKS[c].title}") for c in ordered]


class AssignForm(forms.Form):
    scenario = forms.ModelChoiceField(queryset=PracticeScenario.objects.none())
    trainee = forms.ModelChoiceField(queryset=None, label="Agent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenario_library()
        self.fields["trainee"].queryset = trainees()


class DiagnoseForm(forms.Form):
    checks = forms.MultipleChoiceField(
        choices=(), widget=forms.CheckboxSelectMultiple, label="Checks to run",
        error_messages={"required": "Pick at least one check."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checks"].choices = check_choices()


class SubmitForm(forms.Form):
    decision = forms.ChoiceField(
        choices=Decision.choices, widget=forms.RadioSelect, label="Outcome",
        error_messages={"required": "Choose to resolve with advice or to escalate."},
    )
    criterion = forms.ModelChoiceField(
        queryset=EscalationCriterion.objects.none(), required=False,
        label="Escalation criterion", empty_label="— (only when escalating)",
    )
    identified_codes = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Findings that explain the problem",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
        label="Advice to the customer, or the escalation summary",
        error_messages={"required": "Write the advice or the escalation summary."},
    )
    steps_tried = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False,
        label="Steps already tried (for an escalation)",
    )

    def __init__(self, *args, observed_codes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = EscalationCriterion.objects.all()
        choices = finding_code_choices()
        observed = set(observed_codes or [])
        # Codes the case's runs produced come first; every other code stays available.
        self.fields["identified_codes"].choices = (
            [c for c in choices if c[0] in observed] + [c for c in choices if c[0] not in observed]
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.ESCALATE and not data.get("criterion"):
            self.add_error("criterion", "Say which escalation criterion applies.")
        if data.get("decision") == Decision.RESOLVE:
            data["criterion"] = None
        return data
