"""A customer's timeline: interactions, complaint events and follow-ups in one list, newest first.

The three sources are merged in SQL (UNION ALL of type, id and time), so pagination and the
filters work on the whole history; then the rows of one page are fetched with one query per
source. Five queries whatever the history's length.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection

from core.dates import start_of_day

from .models import Complaint, ComplaintEvent, FollowUp, Interaction

INTERACTION, COMPLAINT_EVENT, FOLLOW_UP = "interaction", "complaint_event", "follow_up"


@dataclass(frozen=True)
class TimelineFilter:
    kind: str = ""
    author_id: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass(frozen=True)
class _Source:
    entry_type: str
    rows: str  # its (type, id, time) rows for one customer, with %s for the customer
    time: str  # the time's column in ``rows``
    attribute: str  # the time's attribute on a loaded entry
    author: str
    kinds: tuple[str, ...] | None  # the kind filters it answers to ("" for none), None: all


def timeline_source_add(entry_type: str, rows: str, *, time: str, author: str, loader) -> None:
    """A higher layer's entries on the timeline (announcements sent, say): ``rows`` selects
    their (type, id, time) for one customer, and ``loader`` loads them; each loaded object has
    ``timeline_label``, ``timeline_summary``, ``timeline_by`` and ``get_absolute_url``. They
    answer to no kind filter but "all"."""
    if entry_type in _LOADERS:
        return
    attribute = time.rpartition(".")[2]
    _SOURCES.append(_Source(entry_type, rows, time, attribute, author, kinds=("",)))
    _TIME_ATTRIBUTES[entry_type] = attribute
    _LOADERS[entry_type] = loader


# Written out rather than built with the ORM: built, the union and its count took longer to
# compile than to run, and the profile shows them on every visit.
_SOURCES = [
    _Source(
        INTERACTION,
        f"SELECT '{INTERACTION}' AS entry_type, id, occurred_at AS happened_at "
        f"FROM {Interaction._meta.db_table} WHERE customer_id = %s",
        time="occurred_at",
        attribute="occurred_at",
        author="author_id",
        kinds=None,
    ),
    _Source(
        COMPLAINT_EVENT,
        f"SELECT '{COMPLAINT_EVENT}', e.id, e.at FROM {ComplaintEvent._meta.db_table} e "
        f"JOIN {Complaint._meta.db_table} c ON c.id = e.complaint_id WHERE c.customer_id = %s",
        time="e.at",
        attribute="at",
        author="e.actor_id",
        kinds=("", Interaction.Kind.COMPLAINT),
    ),
    _Source(
        FOLLOW_UP,
        f"SELECT '{FOLLOW_UP}', id, created_at FROM {FollowUp._meta.db_table} "
        "WHERE customer_id = %s",
        time="created_at",
        attribute="created_at",
        author="created_by_id",
        kinds=("", Interaction.Kind.FOLLOW_UP),
    ),
]


class TimelineRows:
    """Every entry's (type, id), newest first, for a Paginator: ``count()`` and a slice each
    run one statement."""

    def __init__(self, customer_id: int, filters: TimelineFilter):
        adapt = connection.ops.adapt_datetimefield_value
        parts, self.params = [], []
        for source in _SOURCES:
            if source.kinds is not None and filters.kind not in source.kinds:
                continue
            sql, params = [source.rows], [customer_id]
            if source.entry_type == INTERACTION and filters.kind:
                sql.append("AND kind = %s")
                params.append(filters.kind)
            if filters.author_id:
                sql.append(f"AND {source.author} = %s")
                params.append(filters.author_id)
            if filters.start:
                sql.append(f"AND {source.time} >= %s")
                params.append(adapt(start_of_day(filters.start)))
            # To the last day Python has is to the end of time: the day after it cannot be
            # counted, so that end bounds nothing.
            if filters.end and filters.end < datetime.date.max:
                sql.append(f"AND {source.time} < %s")
                params.append(adapt(start_of_day(filters.end + datetime.timedelta(days=1))))
            parts.append(" ".join(sql))
            self.params += params
        self.sql = " UNION ALL ".join(parts)

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({self.sql}) timeline", self.params)
            return cursor.fetchone()[0]

    def __getitem__(self, bounds: slice) -> list[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"{self.sql} ORDER BY happened_at DESC, id DESC LIMIT %s OFFSET %s",
                [*self.params, bounds.stop - bounds.start, bounds.start],
            )
            return [(entry_type, pk) for entry_type, pk, _at in cursor.fetchall()]


_TIME_ATTRIBUTES = {source.entry_type: source.attribute for source in _SOURCES}
# Each source's entries as the timeline shows them, with the people they name.
_LOADERS = {
    INTERACTION: Interaction.objects.select_related("author"),
    COMPLAINT_EVENT: ComplaintEvent.objects.select_related("actor", "complaint"),
    FOLLOW_UP: FollowUp.objects.select_related("assignee"),
}


@dataclass
class TimelineEntry:
    type: str
    object: object

    @property
    def at(self) -> datetime.datetime:
        return getattr(self.object, _TIME_ATTRIBUTES[self.type])


def _with_objects(page: Page) -> Page:
    """The page, each (type, id) row replaced by an entry carrying its loaded object: one query
    a source that the page holds."""
    ids = {entry_type: [] for entry_type in _LOADERS}
    for entry_type, pk in page.object_list:
        ids[entry_type].append(pk)
    loaded = {
        entry_type: _LOADERS[entry_type].in_bulk(pks) if pks else {}
        for entry_type, pks in ids.items()
    }
    page.object_list = [
        TimelineEntry(type=entry_type, object=loaded[entry_type][pk])
        for entry_type, pk in page.object_list
    ]
    return page


def timeline_page(customer_id: int, filters: TimelineFilter, page_number, per_page=20) -> Page:
    """One page of the timeline, each entry carrying its loaded object."""
    paginator = Paginator(TimelineRows(customer_id, filters), per_page)
    return _with_objects(paginator.get_page(page_number))


def timeline_entries(customer_id: int, filters: TimelineFilter, chunk_size=500):
    """Every timeline entry, newest first, loaded a chunk at a time (for print and export):
    counted once, not once a chunk."""
    paginator = Paginator(TimelineRows(customer_id, filters), chunk_size)
    for number in paginator.page_range:
        yield from _with_objects(paginator.page(number)).object_list
