"""What the generic export and erasure cannot work out from the models alone, said once.

Everything else follows from the fields themselves (privacy.discovery, privacy.scrubbing): a
free-text column (char, text, email) without choices is personal and replaced, JSON is emptied,
bytes are dropped; choices, numbers, dates, flags and foreign keys are what the figures count,
and stay. A model of an app above this one says the same for itself with the class attributes
``privacy_kept_fields`` (text columns that are not personal, such as an event's name) and the
classmethod ``privacy_rows(customer)`` (its rows about a customer that no foreign key finds).
"""

from django.db.models import Case, F, Value, When

# What replaces a personal value that was not empty.
PLACEHOLDER = "[erased]"

# Apps whose tables hold the product's people and machinery, not customers' data: never
# searched, never changed.
NOT_SEARCHED_APPS = frozenset({"auth", "contenttypes", "sessions", "axes", "privacy"})

# Where a customer's own name, addresses and numbers are, by model label; the erasure looks for
# them (as whole words) in the tables whose rows need not belong to a customer.
NAME, EMAIL, PHONE = "name", "email", "phone"
IDENTIFIER_FIELDS = {
    "customers.Customer": {"name": NAME, "email": EMAIL, "phone": PHONE, "phone_e164": PHONE},
    "customers.HistoricalCustomer": {
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "phone_e164": PHONE,
    },
    # What they typed into the public form about themselves.
    "voice.FeedbackSubmission": {"name": NAME, "email": EMAIL, "phone": PHONE},
}

# Text columns that are not personal, by model label.
KEPT_FIELDS = {
    # The kind of email, and the Message-ID we made: how the outbox and replies work.
    "crm.OutgoingEmail": {"kind", "message_id"},
    # The Message-ID of a stored message: without it, reading the mailbox again would store the
    # erased customer's old mail once more.
    "inbound.InboundMessage": {"dedupe_key"},
    # Which record the admin's log entry is about: the record's id, not what it said.
    "admin.LogEntry": {"object_id"},
}

# Values that replace a field's, by model label, for the model and its audit-trail copies.
# Contact details are emptied rather than replaced: an empty email is "no address" everywhere
# (and the unique address constraint ignores it).
OVERRIDES = {
    "customers.Customer": {
        "email": "",
        "phone": "",
        "phone_e164": "",
        "company": "",
        "birthday": None,
        "temperament": "unknown",
        "loyalty_factors": {},
        "marketing_consent_at": None,
        "marketing_consent_source": "",
        "marketing_consent_by": None,
        "email_bouncing_since": None,
    },
    "crm.OutgoingEmail": {
        # Emptied, not replaced: an email without a body is one the outbox never sends again.
        "body_text": "",
        "body_html": "",
        "headers": {},
        # An email to a member of staff about the customer keeps whom it went to.
        "to": Case(When(to_customer=True, then=Value(PLACEHOLDER)), default=F("to")),
    },
}

# Never in an export: keys to links and hashes, which open things rather than describe anyone.
EXPORT_LEFT_OUT_SUFFIXES = ("_hash", "password", "secret")

# Columns left out of an export while a row's flag says so, by model label: an email that
# carries a link into an account or a survey (core.outbox) is not handed on.
LEFT_OUT_WHEN = {"crm.OutgoingEmail": ("secret", ("body_text", "body_html", "headers"))}
