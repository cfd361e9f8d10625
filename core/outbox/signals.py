from django.dispatch import Signal

# An email was sent, failed for good, or may have been sent (``email``: the OutgoingEmail).
# Sent inside the transaction that records it, so what the receiver writes goes with it.
email_settled = Signal()
