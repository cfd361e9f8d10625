"""CSV export of customers, in the columns and formats the import reads back."""

import csv
import io
import re
from collections.abc import Iterator

from django.db.models import QuerySet

from .imports import COLUMNS, FORMULA_STARTS
from .models import Customer

CHUNK_SIZE = 2000
FLUSH_AT = 64 * 1024  # characters per piece of the streamed response
# Phone numbers and negative numbers start with + or -, and a spreadsheet does not run them.
_NUMBER_LIKE = re.compile(r"[+-][\d\s().-]*")


def defuse(value: str) -> str:
    """Stop a spreadsheet running a cell as a formula (=HYPERLINK(...)) by starting it with '."""
    if value[:1] in FORMULA_STARTS and not _NUMBER_LIKE.fullmatch(value):
        return "'" + value
    return value


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
    }
    return [defuse(cells[column]) for column in COLUMNS]


def export_csv(queryset: QuerySet[Customer]) -> Iterator[str]:
    """The CSV text in pieces, starting with a BOM so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for customer in queryset.iterator(chunk_size=CHUNK_SIZE):
        writer.writerow(customer_row(customer))
        if buffer.tell() >= FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
