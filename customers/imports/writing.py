"""Writing a checked import: creating and updating customers and their tags, a chunk at a time,
with a few bulk statements each, all in the one transaction of ``jobs.import_run``."""

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Customer, CustomerImport, Tag
from ..services import customer_normalise
from .preview import Preview, consent_from_file, run
from .reading import Row

HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")
BATCH_SIZE = 1000


class ImportInvalid(Exception):
    def __init__(self, preview: Preview):
        super().__init__(f"{len(preview.errors)} problems")
        self.preview = preview


def _update_customers(customers: list[Customer], fields: list[str]) -> None:
    """What bulk_update does, as one UPDATE ... FROM (VALUES ...) per batch.

    bulk_update builds a CASE with a WHEN per row for every field, which takes Python seconds
    per thousand rows; a VALUES list is plain parameters, cast because they arrive untyped.
    """
    connection = connections[Customer.objects.db]
    quote = connection.ops.quote_name
    targets = [Customer._meta.pk] + [Customer._meta.get_field(name) for name in fields]
    placeholders = [f"CAST(%s AS {field.cast_db_type(connection)})" for field in targets]
    row_sql = "(" + ", ".join(placeholders) + ")"
    table = quote(Customer._meta.db_table)
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{n}" for n, field in enumerate(targets[1:], start=2)
    )
    # Stay well under PostgreSQL's 65535 parameters per statement.
    batch = max(1, min(BATCH_SIZE, 30_000 // len(targets)))
    with connection.cursor() as cursor:
        for start in range(0, len(customers), batch):
            chunk = customers[start : start + batch]
            params = [
                field.get_db_prep_save(getattr(customer, field.attname), connection)
                for customer in chunk
                for field in targets
            ]
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v "
                f"WHERE {table}.{quote(targets[0].column)} = v.column1",
                params,
            )


def _record_history(ids: list[int], history_type: str, user, reason: str, date) -> None:
    """Audit-trail rows for customers just written in bulk, copied from their table by the database.

    Bulk writes send no signals, so django-simple-history does not see them, and its
    bulk_history_create builds every row in Python, which costs as much as the import itself.
    """
    if not ids or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    History = Customer.history.model
    connection = connections[History.objects.db]
    quote = connection.ops.quote_name
    tracked = ", ".join(quote(field.column) for field in History.tracked_fields)
    extra = [History._meta.get_field(name) for name in HISTORY_COLUMNS]
    extra_columns = ", ".join(quote(field.column) for field in extra)
    extra_values = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(
            extra, [date, reason, history_type, user.pk if user else None], strict=True
        )
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {quote(History._meta.db_table)} ({tracked}, {extra_columns}) "
                f"SELECT {tracked}, {', '.join(['%s'] * len(extra))} "
                f"FROM {quote(Customer._meta.db_table)} "
                f"WHERE {quote(Customer._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                extra_values + chunk,
            )


class Writer:
    """Collects one chunk's creates and updates, then writes them with a few bulk queries.

    Bulk writes send no signals, so the audit trail's records are written here too.
    """

    def __init__(self, *, user, reason: str):
        self.user = user
        self.reason = reason[:100]  # the audit trail's column is 100 characters
        self.creates: list[tuple[Customer, list[str] | None]] = []
        self.updates: list[Customer] = []
        self.update_fields: set[str] = set()
        self.retag: list[tuple[Customer, list[str]]] = []
        self._tags: dict[str, Tag] | None = None

    def create(self, row: Row) -> None:
        customer = Customer(**row.values)
        customer_normalise(customer)
        if row.marketing_consent:
            consent_from_file(customer, True, by=self.user)
        self.creates.append((customer, row.tags))

    def update(self, customer: Customer, fields: list[str], tags: list[str] | None) -> None:
        self.updates.append(customer)
        self.update_fields.update(fields)
        if tags is not None:
            self.retag.append((customer, tags))

    def discard(self) -> None:
        self.creates, self.updates, self.retag = [], [], []
        self.update_fields = set()

    def flush(self) -> None:
        Through = Customer.tags.through
        now = timezone.now()
        if self.creates:
            created = [customer for customer, _tags in self.creates]
            Customer.objects.bulk_create(created, batch_size=BATCH_SIZE)
            _record_history([c.pk for c in created], "+", self.user, self.reason, now)
        if self.updates:
            for customer in self.updates:
                customer.updated_at = now
            _update_customers(self.updates, [*sorted(self.update_fields), "updated_at"])
            _record_history([c.pk for c in self.updates], "~", self.user, self.reason, now)
        if self.retag:
            Through.objects.filter(customer_id__in=[c.pk for c, _tags in self.retag]).delete()
        tagged = [(c, tags) for c, tags in self.creates if tags] + self.retag
        if tagged:
            tags = self._tag_objects({name for _c, names in tagged for name in names})
            Through.objects.bulk_create(
                [
                    Through(customer_id=customer.pk, tag_id=tags[name.lower()].pk)
                    for customer, names in tagged
                    for name in names
                ],
                batch_size=BATCH_SIZE,
            )
        self.discard()

    def _tag_objects(self, names: set[str]) -> dict[str, Tag]:
        """Tags by lower-cased name, creating the missing ones; "VIP" in the file finds "vip"."""
        if self._tags is None:
            self._tags = {}
            for tag in Tag.objects.only("id", "name"):
                self._tags.setdefault(tag.name.lower(), tag)
        missing = {name.lower(): name for name in names if name.lower() not in self._tags}
        if missing:
            Tag.objects.bulk_create(
                [Tag(name=name) for name in missing.values()], ignore_conflicts=True
            )
            for tag in Tag.objects.filter(name__in=missing.values()):
                self._tags[tag.name.lower()] = tag
        return self._tags


def write_import(customer_import: CustomerImport, *, progress=None) -> Preview:
    """Write every row of a confirmed upload, as the manager who confirmed it, in the caller's
    transaction. Raises ImportInvalid if a row is wrong (for example an owner deactivated since
    the check): the caller rolls back what the chunks before it wrote."""
    writer = Writer(
        user=customer_import.imported_by or customer_import.created_by,
        reason=_("Imported from %(file)s") % {"file": customer_import.filename},
    )
    preview = run(
        customer_import.text, customer_import.duplicates, writer=writer, progress=progress
    )
    if preview.errors:
        raise ImportInvalid(preview)
    return preview
