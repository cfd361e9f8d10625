"""The subject access export: everything Rapport holds about one customer in one ZIP archive.

- ``summary.html``: readable, a section a kind of record, each row's filled-in fields by name;
- ``data.json``: every row of every table, by model label, for a machine;
- ``csv/<model label>.csv``: the same, a spreadsheet a table;
- ``files/``: what is kept as bytes (an email as it was received), as it was.

The rows are those privacy.discovery finds as theirs, the audit trail's copies included.
"""

import datetime
import decimal
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import timezone

from core.csv_downloads import csv_pieces
from core.people import person_name
from customers.models import Customer

from . import discovery
from .rules import EXPORT_LEFT_OUT_SUFFIXES, LEFT_OUT_WHEN

LEFT_OUT = "(left out: it held a private link)"


@dataclass
class Table:
    label: str
    title: str
    columns: list  # (name, verbose name)
    rows: list = field(default_factory=list)  # {name: value}, for JSON and CSV
    shown: list = field(default_factory=list)  # [(verbose name, text)] per row, for HTML


def _exported_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.name.endswith(EXPORT_LEFT_OUT_SUFFIXES)]


def _plain(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _shown(f, value) -> str:
    if value is None or value == "" or value == {} or value == []:
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


class _Archive:
    """The tables and files of one archive, as they are read."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.people: dict = {}

    def _person(self, user_id) -> str | None:
        if user_id is None:
            return None
        if user_id not in self.people:
            user = get_user_model().objects.filter(pk=user_id).first()
            self.people[user_id] = person_name(user) if user else str(user_id)
        return self.people[user_id]

    def table(self, model, ids) -> Table:
        fields = _exported_fields(model)
        m2m = list(model._meta.many_to_many)
        user_model = get_user_model()
        table = Table(
            label=model._meta.label,
            title=str(model._meta.verbose_name_plural).capitalize(),
            columns=[(f.name, str(f.verbose_name)) for f in fields + m2m],
        )
        left_out = LEFT_OUT_WHEN.get(model._meta.label)
        rows = model._base_manager.filter(pk__in=list(ids)).order_by("pk")
        if m2m:
            rows = rows.prefetch_related(*[f.name for f in m2m])
        for obj in rows:
            hidden = left_out[1] if left_out and getattr(obj, left_out[0], False) else ()
            row, shown = {}, []
            for f in fields:
                value = getattr(obj, f.attname)
                if f.name in hidden:
                    value = LEFT_OUT
                elif f.is_relation and f.related_model is user_model:
                    value = self._person(value)
                elif isinstance(value, bytes | memoryview):
                    value = self._file(model, obj.pk, f, bytes(value))
                value = _plain(value)
                row[f.name] = value
                text = _shown(f, value)
                if text:
                    shown.append((str(f.verbose_name), text))
            for f in m2m:
                names = [str(related) for related in getattr(obj, f.name).all()]
                row[f.name] = names
                if names:
                    shown.append((str(f.verbose_name), ", ".join(names)))
            table.rows.append(row)
            table.shown.append(shown)
        return table

    def _file(self, model, pk, f, data: bytes) -> str:
        if not data:
            return ""
        extension = "eml" if f.name == "raw" else "bin"
        name = f"files/{model._meta.label_lower}-{pk}-{f.name}.{extension}"
        self.files[name] = data
        return name


def _order(item):
    model = item[0]
    original = discovery.original_model(model)
    return (original is not Customer, original is not model, model._meta.label)


def customer_archive(customer: Customer) -> bytes:
    """The ZIP archive of everything held about ``customer``."""
    found = discovery.find(customer)
    archive = _Archive()
    tables = [
        archive.table(model, ids)
        for model, ids in sorted(found.theirs.items(), key=_order)
        if ids and not model._meta.auto_created
    ]
    made_at = timezone.localtime()
    data = {
        "customer_id": customer.pk,
        "made_at": made_at.isoformat(),
        "tables": {table.label: table.rows for table in tables},
    }
    summary = render_to_string(
        "privacy/archive_summary.html",
        {"customer": customer, "tables": tables, "made_at": made_at},
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("summary.html", summary)
        zipped.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1, default=str))
        for table in tables:
            header = [name for name, _verbose in table.columns]
            rows = ([_csv_cell(row.get(name)) for name in header] for row in table.rows)
            zipped.writestr(f"csv/{table.label.lower()}.csv", "".join(csv_pieces(header, rows)))
        for name, content in archive.files.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


def _csv_cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def archive_filename(customer: Customer) -> str:
    return f"customer-{customer.pk}-data-{timezone.localdate():%Y-%m-%d}.zip"
