"""Events other apps may act on (for example outbound webhooks), sent inside the
transaction that made the change; receivers must defer side effects to the commit."""

from django.dispatch import Signal

# Sent with `event` ("case.escalated", "packet.returned", "packet.resolved",
# "incident.radar_fired") and a JSON-safe, secret-free `payload`.
escalation_event = Signal()
