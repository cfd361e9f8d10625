"""CSV export of customers, in the columns and formats the import reads back."""

from collections.abc import Iterator

from django.db.models import QuerySet

from .imports import COLUMNS
from .models import Customer

CHUNK_SIZE = 2000


def _date(value) -> str:
    return value.isoformat() if value else ""


def customer_row(customer: Customer) -> list[str]:
    """One customer as export cells; needs ``owner`` selected and ``tags`` prefetched."""
    cells = {
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "phone": customer.phone,
        "preferred_channel": customer.preferred_channel,
        "temperament": customer.temperament,
        "expectations": customer.expectations,
        "unmet_wants": customer.unmet_wants,
        "customer_since": _date(customer.customer_since),
        "segment": customer.segment,
        "status": customer.status,
        "owner": customer.owner.get_username() if customer.owner else "",
        "tags": "|".join(tag.name for tag in customer.tags.all()),
        "checkin_cadence_days": str(customer.checkin_cadence_days or ""),
        "birthday": _date(customer.birthday),
        "email_opt_out": "yes" if customer.email_opt_out else "no",
        "language": customer.language,
        # Consent as recorded, apart from the opt-out above: "no" in this column would
        # withdraw it when the file is imported again.
        "marketing_consent": "yes" if customer.marketing_consent_at else "no",
    }
    return [cells[column] for column in COLUMNS]


def export_rows(queryset: QuerySet[Customer]) -> Iterator[list[str]]:
    """The export's rows, cells in the order of ``COLUMNS``."""
    for customer in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield customer_row(customer)
