"""Who an announcement goes to: the customer list's filters, the customers whose unmet wants or
survey wishes mention its words, and who of them may be written to for its kind."""

import datetime

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Case, CharField, Count, QuerySet, Value, When
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.forms import shared_choices
from core.text_search import SEARCH_CONFIG
from customers.filters import CustomerFilter
from customers.models import Customer
from voice.models import Survey

from .models import Announcement

WISH_QUOTE_LENGTH = 300
LOYALTY_BANDS = {"low": (0, 39), "middle": (40, 69), "high": (70, 100)}


class AudienceFilter(CustomerFilter):
    """The customer list's filters, and two more that suit an audience."""

    loyalty = django_filters.ChoiceFilter(
        label=_("Loyalty"),
        method="filter_loyalty",
        empty_label=_("Any"),
        choices=shared_choices(
            [("low", _("Low (under 40)")), ("middle", _("Middle (40–69)")), ("high", _("High"))]
        ),
    )
    contacted_within = django_filters.NumberFilter(
        label=_("Last contact within (days)"),
        method="filter_contacted_within",
        widget=forms.NumberInput(attrs={"min": 1, "max": 3650}),
    )

    def filter_loyalty(self, queryset, name, value):
        low, high = LOYALTY_BANDS[value]
        return queryset.filter(loyalty_score__gte=low, loyalty_score__lte=high)

    def filter_contacted_within(self, queryset, name, value):
        days = min(max(int(value), 1), 3650)
        return queryset.filter(last_contact_at__gte=timezone.now() - datetime.timedelta(days))


AUDIENCE_FIELDS = (
    "q",
    "owner",
    "status",
    "segment",
    "tag",
    "overdue",
    "loyalty",
    "contacted_within",
)


def audience_filter(data, *, user) -> AudienceFilter:
    return AudienceFilter(data or None, queryset=Customer.objects.all(), user=user)


def _wish_query(words: str) -> SearchQuery:
    return SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)


def wishers(words: str) -> QuerySet:
    """The ids of customers whose unmet wants, or a survey wish of theirs, mention ``words``."""
    query = _wish_query(words)
    on_profile = (
        Customer.objects.annotate(wants=SearchVector("unmet_wants", config=SEARCH_CONFIG))
        .filter(wants=query)
        .values("pk")
    )
    in_surveys = (
        Survey.objects.annotate(wish=SearchVector("unmet_want", config=SEARCH_CONFIG))
        .filter(wish=query)
        .values("customer_id")
    )
    return on_profile.union(in_surveys)


def wishes_of(words: str, customer_ids) -> dict[int, str]:
    """Each customer's words that match, quoted: their profile's unmet wants, else a survey's."""
    if not words.strip():
        return {}
    query = _wish_query(words)
    quoted = {}
    surveys = (
        Survey.objects.filter(customer_id__in=customer_ids)
        .annotate(wish=SearchVector("unmet_want", config=SEARCH_CONFIG))
        .filter(wish=query)
        .order_by("customer_id", "-answered_at")
        .values_list("customer_id", "unmet_want")
    )
    for customer_id, text in surveys:
        quoted.setdefault(customer_id, text)
    profiles = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(wants=SearchVector("unmet_wants", config=SEARCH_CONFIG))
        .filter(wants=query)
        .values_list("pk", "unmet_wants")
    )
    quoted.update(profiles)
    return {
        pk: Truncator(" ".join(text.split())).chars(WISH_QUOTE_LENGTH)
        for pk, text in quoted.items()
    }


def chosen(announcement: Announcement) -> QuerySet:
    """The customers the manager chose: the filters, and the wishers when asked for only them."""
    customers = audience_filter(announcement.audience, user=announcement.created_by).qs
    if announcement.wishes.strip() and announcement.only_wishers:
        customers = customers.filter(pk__in=wishers(announcement.wishes))
    return customers.order_by()


def reachable(customers: QuerySet, kind: str) -> QuerySet:
    """Those of ``customers`` an announcement of ``kind`` may be sent to."""
    customers = customers.emailable()
    if kind == Announcement.Kind.MARKETING:
        customers = customers.with_marketing_consent()
    return customers


class Reason:
    ARCHIVED = "archived"
    NO_EMAIL = "no_email"
    OPTED_OUT = "opted_out"
    BOUNCING = "bouncing"
    NO_CONSENT = "no_consent"

    LABELS = {
        ARCHIVED: _("archived"),
        NO_EMAIL: _("no email address"),
        OPTED_OUT: _("opted out of email"),
        BOUNCING: _("email bouncing"),
        NO_CONSENT: _("no marketing consent"),
    }


def counts(customers: QuerySet, kind: str) -> dict[str, int]:
    """How many of ``customers`` it goes to ("sent"), and how many are left out by each reason
    (the first that applies), in one query."""
    reasons = [
        When(archived_at__isnull=False, then=Value(Reason.ARCHIVED)),
        When(email="", then=Value(Reason.NO_EMAIL)),
        When(email_opt_out=True, then=Value(Reason.OPTED_OUT)),
        When(email_bouncing_since__isnull=False, then=Value(Reason.BOUNCING)),
    ]
    if kind == Announcement.Kind.MARKETING:
        reasons.append(When(marketing_consent_at__isnull=True, then=Value(Reason.NO_CONSENT)))
    rows = (
        customers.annotate(left_out=Case(*reasons, default=Value("sent"), output_field=CharField()))
        .values("left_out")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = {row["left_out"]: row["n"] for row in rows}
    return {"sent": found.pop("sent", 0), **found}


def preview(announcement: Announcement, *, sample: int = 20) -> dict:
    """What the compose page shows: counts, the reasons left out, and the matched wishes."""
    customers = chosen(announcement)
    figures = counts(customers, announcement.kind)
    matched, matched_total = [], 0
    if announcement.wishes.strip():
        asked = reachable(customers, announcement.kind).filter(pk__in=wishers(announcement.wishes))
        names = list(asked.order_by("name", "pk").values_list("pk", "name")[:sample])
        quotes = wishes_of(announcement.wishes, [pk for pk, _name in names])
        matched = [(pk, name, quotes.get(pk, "")) for pk, name in names]
        matched_total = asked.count()
    return {
        "to_send": figures.pop("sent"),
        "left_out": [(Reason.LABELS[key], n) for key, n in figures.items()],
        "matched": matched,
        "matched_total": matched_total,
    }
