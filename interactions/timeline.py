"""A customer's timeline: interactions, complaint events and follow-ups in one list, newest first.

The three sources are merged in SQL (UNION ALL of type, id and time), so pagination and the
filters work on the whole history; then the rows of one page are fetched with one query per
source. Five queries whatever the history's length.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Value

from .models import ComplaintEvent, FollowUp, Interaction

INTERACTION, COMPLAINT_EVENT, FOLLOW_UP = "interaction", "complaint_event", "follow_up"


@dataclass(frozen=True)
class TimelineFilter:
    kind: str = ""
    author_id: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None


def _rows(queryset, entry_type, time_field, author_field, filters: TimelineFilter):
    if filters.author_id:
        queryset = queryset.filter(**{author_field: filters.author_id})
    if filters.start:
        queryset = queryset.filter(**{f"{time_field}__date__gte": filters.start})
    if filters.end:
        queryset = queryset.filter(**{f"{time_field}__date__lte": filters.end})
    return (
        queryset.order_by()
        .annotate(entry_type=Value(entry_type, output_field=CharField()), happened_at=F(time_field))
        .values_list("entry_type", "id", "happened_at")
    )


def timeline_rows(customer_id: int, filters: TimelineFilter):
    interactions = Interaction.objects.filter(customer_id=customer_id)
    sources = []
    if filters.kind:
        interactions = interactions.filter(kind=filters.kind)
    sources.append(_rows(interactions, INTERACTION, "occurred_at", "author_id", filters))
    if filters.kind in ("", Interaction.Kind.COMPLAINT):
        events = ComplaintEvent.objects.filter(complaint__customer_id=customer_id)
        sources.append(_rows(events, COMPLAINT_EVENT, "at", "actor_id", filters))
    if filters.kind in ("", Interaction.Kind.FOLLOW_UP):
        follow_ups = FollowUp.objects.filter(customer_id=customer_id)
        sources.append(_rows(follow_ups, FOLLOW_UP, "created_at", "created_by_id", filters))
    first, *rest = sources
    queryset = first.union(*rest, all=True) if rest else first
    return queryset.order_by("-happened_at", "-id")


@dataclass
class TimelineEntry:
    type: str
    at: datetime.datetime
    object: object


def timeline_page(customer_id: int, filters: TimelineFilter, page_number, per_page=20) -> Page:
    """One page of the timeline, each entry carrying its loaded object."""
    page = Paginator(timeline_rows(customer_id, filters), per_page).get_page(page_number)
    ids = {INTERACTION: [], COMPLAINT_EVENT: [], FOLLOW_UP: []}
    for entry_type, pk, _at in page.object_list:
        ids[entry_type].append(pk)
    loaded = {
        INTERACTION: Interaction.objects.select_related("author").in_bulk(ids[INTERACTION])
        if ids[INTERACTION]
        else {},
        COMPLAINT_EVENT: ComplaintEvent.objects.select_related("actor", "complaint").in_bulk(
            ids[COMPLAINT_EVENT]
        )
        if ids[COMPLAINT_EVENT]
        else {},
        FOLLOW_UP: FollowUp.objects.select_related("assignee").in_bulk(ids[FOLLOW_UP])
        if ids[FOLLOW_UP]
        else {},
    }
    page.object_list = [
        TimelineEntry(type=entry_type, at=at, object=loaded[entry_type][pk])
        for entry_type, pk, at in page.object_list
    ]
    return page


def timeline_entries(customer_id: int, filters: TimelineFilter, chunk_size=500):
    """Every timeline entry, newest first, loaded a chunk at a time (for print and export)."""
    paginator = Paginator(timeline_rows(customer_id, filters), chunk_size)
    for number in paginator.page_range:
        yield from timeline_page(customer_id, filters, number, per_page=chunk_size).object_list
