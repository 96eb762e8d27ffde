from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from triage.redaction import redact_data, redact_text


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's name-based filter, plus the product's redactor over every value shown."""

    def cleanse_setting(self, key, value):
        return redact_data(super().cleanse_setting(key, value))

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if hasattr(params, "copy"):
            params = params.copy()
            for key in list(params):
                params[key] = redact_data(params[key])
        return params

    def get_traceback_frame_variables(self, request, tb_frame):
        cleansed = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, redact_data(value) if isinstance(value, str) else value)
                for name, value in cleansed]


class RedactingExceptionReporter(ExceptionReporter):
    """Django's error report (500 page in DEBUG, admin mail) with the exception's own text and
    every shown value passed through the redactor: a bug that quotes a secret in an
    exception message must not carry it into the report."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        for key in ("exception_value", "exception_notes", "unicode_hint"):
            if isinstance(data.get(key), str):
                data[key] = redact_text(data[key])
        for frame in data.get("frames", []):
            if "vars" in frame:
                frame["vars"] = [(name, redact_text(value)) for name, value in frame["vars"]]
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = redact_text(str(frame["exc_cause"]))
        if self.request is not None:
            data["request_GET_items"] = [(k, redact_text(v)) for k, v in self.request.GET.items()]
        return data
