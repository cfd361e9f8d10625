"""Making and turning off calendar feeds, and noting when one was read."""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.tokens import token_hash

from .models import CalendarFeed

# How stale "last read" may be: calendar apps poll every few minutes to every few hours, and a
# write on every poll would buy nothing the page shows.
READ_PRECISION = datetime.timedelta(hours=1)


@transaction.atomic
def feed_create(user) -> str:
    """A new feed for ``user``, turning off the one they had: its token, which nothing keeps."""
    # Two submits at once (a double click, two tabs) wait for each other on the user's row, so
    # the second turns off the first's feed instead of breaking the one-live-feed constraint.
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    now = timezone.now()
    CalendarFeed.objects.live().filter(user=user).update(revoked_at=now, revoked_by=user)
    raw = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=user, token_hash=token_hash(raw), created_at=now)
    feed.full_clean()
    feed.save()
    return raw


def feed_turn_off(feed: CalendarFeed, *, by) -> bool:
    """Stop a feed working; False if it had stopped already."""
    changed = (
        CalendarFeed.objects.live()
        .filter(pk=feed.pk)
        .update(revoked_at=timezone.now(), revoked_by=by)
    )
    return changed == 1


def feed_mark_read(feed: CalendarFeed, *, now: datetime.datetime) -> None:
    """Note that a calendar read the feed, at most once per READ_PRECISION."""
    if feed.last_used_at is not None and now - feed.last_used_at < READ_PRECISION:
        return
    # Conditional, so that two polls at once write one row once.
    CalendarFeed.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - READ_PRECISION), pk=feed.pk
    ).update(last_used_at=now)
