"""Reads of the outbox: the emails that did not go, and their counts."""

from django.contrib.auth import get_user_model
from django.db.models import Count

from core.models import OutgoingEmail
from core.people import person_name

State = OutgoingEmail.State
UNSENT = [State.FAILED, State.UNCERTAIN]


def failed_emails():
    """Failed and uncertain emails, newest first, with whom and what they concern."""
    return (
        OutgoingEmail.objects.filter(state__in=UNSENT)
        .select_related("person")
        .prefetch_related("about")
        .defer("body_text", "body_html")
        .order_by("-created_at", "-pk")
    )


def failed_email_count() -> int:
    return OutgoingEmail.objects.filter(state__in=UNSENT).count()


def failure_counts() -> dict:
    """How many failed and uncertain emails there are: in all, by kind, by state, by person."""
    unsent = OutgoingEmail.objects.filter(state__in=UNSENT).order_by()
    by_state = dict(unsent.values_list("state").annotate(n=Count("pk")))
    return {
        "total": sum(by_state.values()),
        "by_state": by_state,
        "by_kind": list(unsent.values("kind").annotate(n=Count("pk")).order_by("-n", "kind")),
        "by_person": _by_person(unsent),
    }


def _by_person(unsent) -> list[tuple[str, int]]:
    counts = list(unsent.values_list("person").annotate(n=Count("pk")).order_by("-n", "person"))
    people = get_user_model().objects.in_bulk([pk for pk, _n in counts if pk])
    return [(person_name(people[pk]) if pk in people else None, n) for pk, n in counts]
