"""The one outbox: every email the product sends is queued here, then sent once.

A caller renders its email and queues it inside its own transaction (``email_queue``), so the
email exists exactly when what it tells of does. After the commit a task sends it: it claims
the row with a conditional UPDATE, hands it to the SMTP server and records what became of it.
Refused for now, or no server to reach: tried again later, with backoff. Refused for good:
failed. The connection broke after the message was handed over, or the worker died holding
it: "may have been sent", left for a person, because a resend could deliver it twice. Beat
sends what falls due and sweeps the abandoned; managers see and retry failures on one page.
The apps above learn each outcome through ``email_settled``.
"""
