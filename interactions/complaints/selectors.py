"""Complaint cases as the pages list them: ordered, and told where they stand against target."""

import datetime

from django.utils import timezone

from customers.models import Customer
from interactions.models import Complaint

TARGET_BADGES = {
    Complaint.TargetStatus.ON_TRACK: "success",
    Complaint.TargetStatus.DUE_SOON: "warning",
    Complaint.TargetStatus.BREACHED: "danger",
    Complaint.TargetStatus.MET: "secondary",
}
SEVERITY_BADGES = {
    Complaint.Severity.URGENT: "danger",
    Complaint.Severity.HIGH: "warning",
    Complaint.Severity.NORMAL: "primary",
    Complaint.Severity.LOW: "secondary",
}


def with_badges(complaints_, now: datetime.datetime | None = None) -> list[Complaint]:
    """The complaints, each told where it stands against its target now and how to show it."""
    now = now or timezone.now()
    rows = list(complaints_)
    for complaint in rows:
        complaint.target = Complaint.TargetStatus(complaint.target_status(now))
        complaint.target_badge = TARGET_BADGES[complaint.target]
        complaint.severity_badge = SEVERITY_BADGES[complaint.severity]
    return rows


def complaints_for_profile(customer: Customer, limit: int = 10) -> list[Complaint]:
    """The customer's cases for their profile card, live ones first: one query."""
    queryset = (
        Complaint.objects.filter(customer=customer).select_related("assignee").most_urgent_first()
    )
    return with_badges(queryset[:limit])
