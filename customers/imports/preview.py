"""Matching a file's rows to the customers they would create or update: the preview a manager
confirms, worked out a chunk of rows at a time.

Each chunk's emails are looked up in one query; when importing, the chunk is handed to a writer
before the next chunk is read, so memory stays flat however long the file is.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Protocol

from django.db.models import Q
from django.db.models.functions import Lower

from ..models import Customer, CustomerImport
from ..services import (
    CHECKIN_INPUTS,
    CONSENT_FIELDS,
    consent_apply,
    refresh_next_checkin,
    refresh_phone,
)
from ..suppression import suppressed_among
from .reading import Reader, Row, RowError

CHUNK_SIZE = 1000
# The errors and duplicates a stored preview lists; its counts cover all of them. A file with
# 100,000 wrong rows needs fixing in the spreadsheet, not reading here one by one.
KEPT = 500
KEPT_VALUE = 200


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row whose email already belongs to a customer, and what the import does about it."""

    SKIP = "skip"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    row: int
    email: str
    customer_id: int
    customer_name: str
    action: str


@dataclass
class Preview:
    row_count: int = 0
    to_create: int = 0
    to_update: int = 0
    to_skip: int = 0  # existing customers left as they are, skipped or already up to date
    duplicates: list[Duplicate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows left out because their address is an erased customer's (customers.suppression): their
    # numbers only, so the preview keeps no address the list stands for.
    suppressed: list[int] = field(default_factory=list)
    # How many more there are than the lists hold, once stored.
    duplicates_more: int = 0
    errors_more: int = 0
    suppressed_more: int = 0

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_more

    @property
    def duplicate_count(self) -> int:
        return len(self.duplicates) + self.duplicates_more

    @property
    def suppressed_count(self) -> int:
        return len(self.suppressed) + self.suppressed_more

    @property
    def is_valid(self) -> bool:
        return not self.error_count

    @property
    def to_import(self) -> int:
        return self.to_create + self.to_update

    def as_json(self) -> dict:
        """The preview as CustomerImport.preview keeps it: the counts, and the first KEPT
        errors and duplicates."""
        return {
            "row_count": self.row_count,
            "to_create": self.to_create,
            "to_update": self.to_update,
            "to_skip": self.to_skip,
            "duplicates": [asdict(duplicate) for duplicate in self.duplicates[:KEPT]],
            "duplicates_more": self.duplicate_count - min(KEPT, len(self.duplicates)),
            # A message quotes a value cut short; the value itself is kept only as long.
            "errors": [
                {**asdict(error), "value": error.value[:KEPT_VALUE]} for error in self.errors[:KEPT]
            ],
            "errors_more": self.error_count - min(KEPT, len(self.errors)),
            "suppressed": self.suppressed[:KEPT],
            "suppressed_more": self.suppressed_count - min(KEPT, len(self.suppressed)),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Preview":
        return cls(
            **{
                **data,
                "duplicates": [Duplicate(**duplicate) for duplicate in data["duplicates"]],
                "errors": [RowError(**error) for error in data["errors"]],
            }
        )


def stored_preview(customer_import: CustomerImport) -> Preview | None:
    """What the check of an upload found, as kept; None until it is checked."""
    if customer_import.preview is None:
        return None
    return Preview.from_json(customer_import.preview)


class RowWriter(Protocol):
    """Where run() hands the rows when importing (writing.Writer)."""

    def create(self, row: Row) -> None: ...

    def update(self, customer: Customer, fields: list[str], tags: list[str] | None) -> None: ...

    def discard(self) -> None: ...

    def flush(self) -> None: ...


def _chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _existing_by_email(emails: list[str], *, with_tags: bool) -> dict[str, Customer]:
    if not emails:
        return {}
    # Lower(email) with email <> '' matches the partial unique index on PostgreSQL.
    queryset = (
        Customer.objects.annotate(email_ci=Lower("email"))
        .filter(~Q(email=""), email_ci__in=emails)
        .order_by()
    )
    if with_tags:
        queryset = queryset.prefetch_related("tags")
    else:
        queryset = queryset.only("id", "name", "email")
    return {customer.email_ci: customer for customer in queryset}


def consent_from_file(customer: Customer, agrees: bool, *, by=None) -> bool:
    """Put a file's marketing_consent cell on the customer, without saving; False if it changes
    nothing.

    yes records consent (through the import, by whoever imports it), but never over a
    withdrawal: a list from elsewhere must not sign up someone who told us no; staff who hear
    otherwise tick the box on the profile. no withdraws consent the customer has, and records
    nothing for one never asked, so that an exported file imports unchanged.
    """
    if agrees:
        if customer.marketing_consent_at or customer.marketing_consent_withdrawn_at:
            return False
        return consent_apply(customer, True, source=Customer.ConsentSource.IMPORT, by=by)
    if customer.marketing_consent_at is None:
        return False
    return consent_apply(customer, False)


def _apply(customer: Customer, row: Row, consent_by=None) -> tuple[list[str], list[str] | None]:
    """Put the row's values on the customer: (fields that changed, new tags or None if the same)."""
    changed = [name for name, value in row.values.items() if getattr(customer, name) != value]
    for name in changed:
        setattr(customer, name, row.values[name])
    if row.marketing_consent is not None and consent_from_file(
        customer, row.marketing_consent, by=consent_by
    ):
        changed.extend(CONSENT_FIELDS)
    if "phone" in changed:
        refresh_phone(customer)
        changed.append("phone_e164")
    if CHECKIN_INPUTS.intersection(changed):
        before = customer.next_checkin_due
        refresh_next_checkin(customer)
        if customer.next_checkin_due != before:
            changed.append("next_checkin_due")
    tags = None
    if row.tags is not None:
        current = {tag.name.lower() for tag in customer.tags.all()}
        if current != {name.lower() for name in row.tags}:
            tags = row.tags
    return changed, tags


def run(
    text: str,
    duplicates: str,
    writer: RowWriter | None,
    progress: Callable[[int], None] | None = None,
) -> Preview:
    """What importing the text does; with a writer, the rows are handed to it a chunk at a time,
    and ``progress`` is told the number of rows read after each one."""
    reader = Reader(text)
    preview = Preview(errors=reader.errors)
    update = duplicates == CustomerImport.Duplicates.UPDATE
    consent_by = getattr(writer, "user", None)
    for chunk in _chunked(reader.rows(), CHUNK_SIZE):
        existing = _existing_by_email([r.email for r in chunk if r.email], with_tags=update)
        erased = suppressed_among({r.email for r in chunk if r.email and r.email not in existing})
        for row in chunk:
            customer = existing.get(row.email) if row.email else None
            if customer is None and row.email in erased:
                # Flagged and left out, never created again without a person deciding to.
                preview.suppressed.append(row.number)
                continue
            if customer is None:
                preview.to_create += 1
                if writer:
                    writer.create(row)
                continue
            name = customer.name  # before the row's name replaces it
            if not update:
                action = Duplicate.SKIP
            else:
                fields, tags = _apply(customer, row, consent_by)
                action = Duplicate.UPDATE if fields or tags is not None else Duplicate.UNCHANGED
                if writer and action == Duplicate.UPDATE:
                    writer.update(customer, fields, tags)
            if action == Duplicate.UPDATE:
                preview.to_update += 1
            else:
                preview.to_skip += 1
            preview.duplicates.append(Duplicate(row.number, row.email, customer.pk, name, action))
        if writer and preview.errors:
            writer.discard()  # nothing will be written; keep memory flat while checking on
        elif writer:
            writer.flush()
        if progress:
            progress(reader.row_count)
    preview.row_count = reader.row_count
    return preview


def validate_import(
    text: str, duplicates: str, progress: Callable[[int], None] | None = None
) -> Preview:
    """What importing this text would do, and every problem that stops it; writes nothing."""
    return run(text, duplicates, writer=None, progress=progress)
