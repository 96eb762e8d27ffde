"""Events other apps may act on, sent inside the transaction that made the change."""

from django.dispatch import Signal

# Sent with `run_id` once a diagnostic run has finished or failed (exactly once per run).
run_finished = Signal()
