import logging


class RedactingFilter(logging.Filter):
    """Pass every log record through the product's one redactor."""

    def filter(self, record: logging.LogRecord) -> bool:
        from triage.redaction import redact_text

        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            import traceback

            record.exc_text = redact_text("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True
