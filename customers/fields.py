"""The fields a person fills in for a customer, named once for the form, the CSV and the bench.

It imports nothing, so bench/seed.py can use it before Django is set up.
"""

# In the order of the CSV's columns: an exported file must import unchanged, so the order is
# part of the file format.
CUSTOMER_FIELDS = (
    "name",
    "company",
    "email",
    "phone",
    "preferred_channel",
    "temperament",
    "expectations",
    "unmet_wants",
    "customer_since",
    "segment",
    "status",
    "owner",
    "tags",
    "checkin_cadence_days",
    "birthday",
    "email_opt_out",
    "language",
)
