"""Links to a case's page for the customer (/case/<token>/): made for each email about the case.

Each link carries a random token of its own and only the token's SHA-256 is stored, so a copy of
the database, or the admin, gives no working link; the emails carrying one are secret (the outbox
erases their bodies once sent). Every link of a case works while the case is open and for
CASE_LINK_DAYS after it was resolved or closed; "send a new link" retires the old ones.
"""

import datetime
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.tokens import token_hash
from interactions.models import CaseLink, Complaint

OPEN, GONE, UNKNOWN = "open", "gone", "unknown"
# A token is 43 URL-safe characters; anything much longer is not one of ours.
TOKEN_MAX_LENGTH = 64


def case_link_new(complaint: Complaint) -> str:
    """A new link to the case's page, in the caller's transaction: the absolute URL."""
    raw = secrets.token_urlsafe(32)
    CaseLink.objects.create(complaint=complaint, token_hash=token_hash(raw))
    return settings.SITE_URL + reverse("voice:case", args=[raw])


def case_links_retire(complaint: Complaint, now=None) -> int:
    """Stop every link of the case working; returns how many were live."""
    return CaseLink.objects.filter(complaint=complaint, retired_at__isnull=True).update(
        retired_at=now or timezone.now()
    )


def case_for_token(raw_token: str, now=None) -> tuple[Complaint | None, str]:
    """The case a link is for, and whether it still works: OPEN, GONE (retired, or the case
    finished more than CASE_LINK_DAYS ago) or UNKNOWN (never one of ours)."""
    if not raw_token or len(raw_token) > TOKEN_MAX_LENGTH:
        return None, UNKNOWN
    link = (
        CaseLink.objects.select_related("complaint", "complaint__customer", "complaint__assignee")
        .filter(token_hash=token_hash(raw_token))
        .first()
    )
    if link is None:
        return None, UNKNOWN
    complaint = link.complaint
    if link.retired_at is not None or not case_link_in_date(complaint, now):
        return complaint, GONE
    return complaint, OPEN


def case_link_in_date(complaint: Complaint, now=None) -> bool:
    """Open, or finished no longer than CASE_LINK_DAYS ago."""
    finished_at = complaint.closed_at or complaint.resolved_at
    if complaint.is_open or finished_at is None:
        return True
    days = datetime.timedelta(days=settings.CASE_LINK_DAYS)
    return (now or timezone.now()) < finished_at + days
