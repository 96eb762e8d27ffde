from django.views.debug import SafeExceptionReporterFilter

from triage.redaction import redact_data


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
