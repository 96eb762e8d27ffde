"""Input parsing for the integrations pages."""

from __future__ import annotations

from django import forms

from integrations.models import IntegrationToken, WebhookEndpoint

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="A HAR export (browser or Postman), a Postman collection, or a request log.",
    )
    text = forms.CharField(
        required=False,
        label="…or paste it",
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError({"file": "The file is over 20 MB."})
            raw = upload.read()
            try:
                data["content"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    {"file": "That file is not UTF-8 text; export the HAR or log as text."}
                ) from None
            data["filename"] = upload.name
        elif (data.get("text") or "").strip():
            data["content"], data["filename"] = data["text"], ""
        else:
            raise forms.ValidationError({"file": "Choose a file or paste the log."})
        return data


class ReplyAppendForm(forms.Form):
    template = forms.IntegerField(required=False, min_value=1)
    signature = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if not data.get("template") and not data.get("signature"):
            raise forms.ValidationError("Choose a reply template.")
        return data


class ReplyDraftForm(forms.Form):
    text = forms.CharField(required=False, max_length=20000, label="Reply to the customer",
                           widget=forms.Textarea(attrs={"rows": 8}))


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=IntegrationToken.Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEndpoint.Event.choices,
                                       widget=forms.CheckboxSelectMultiple)
