"""Reading calendar feeds: the one a link is for, and those the page shows."""

import re

from core.tokens import token_hash

from .models import CalendarFeed

# secrets.token_urlsafe(32): anything else is not one of ours, and is turned away unhashed.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)


def feed_for_token(raw_token: str) -> CalendarFeed | None:
    """The live feed of an active member of staff that a link is for, else None: a token that
    is malformed, unknown, replaced or turned off gets the same answer."""
    if not TOKEN_SHAPE.fullmatch(raw_token):
        return None
    return (
        CalendarFeed.objects.live()
        .select_related("user")
        .filter(token_hash=token_hash(raw_token), user__is_active=True)
        .first()
    )


def live_feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.live().filter(user=user).first()


def live_feeds():
    """Everyone's working feeds, for managers to turn off: one per member of staff at most."""
    return (
        CalendarFeed.objects.live()
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
