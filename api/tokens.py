"""Making, checking and revoking API tokens."""

import datetime
import secrets
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from core.tokens import token_hash

from .models import ApiToken

PREFIX = "rap_"
# The longest token we could have made, with room: anything longer is not one of ours.
MAX_TOKEN_LENGTH = 100
WINDOW = datetime.timedelta(minutes=1)


def token_create(*, user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the token itself, which is shown once and kept
    nowhere."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=raw[: len(PREFIX) + 6],
        token_hash=token_hash(raw),
    )
    return token, raw


def token_revoke(token: ApiToken, *, by) -> bool:
    """Revoke it at once; False if it already was."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=now, revoked_by=by
    )
    if revoked:
        token.revoked_at, token.revoked_by = now, by
    return bool(revoked)


@dataclass(frozen=True)
class Use:
    """A request made with a live token: the token, and how many requests it has made in the
    current window (this one included)."""

    token: ApiToken
    requests_in_window: int
    window_ends_at: datetime.datetime


# One statement a request: find a live token by its hash, mark it used, count the request in
# its window (a new window when the last one is over). Shared by every web process, so the
# limit holds however many there are.
_USE_SQL = f"""
UPDATE {ApiToken._meta.db_table} SET
    last_used_at = %(now)s,
    window_requests = CASE WHEN window_started_at > %(window_start)s
        THEN window_requests + 1 ELSE 1 END,
    window_started_at = CASE WHEN window_started_at > %(window_start)s
        THEN window_started_at ELSE %(now)s END
WHERE token_hash = %(hash)s AND revoked_at IS NULL
RETURNING id
"""


def token_use(raw: str) -> Use | None:
    """The live token ``raw`` spells, counted as used now; None for anything else."""
    if not raw.startswith(PREFIX) or len(raw) > MAX_TOKEN_LENGTH or not raw.isascii():
        return None
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _USE_SQL, {"now": now, "window_start": now - WINDOW, "hash": token_hash(raw)}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token = ApiToken.objects.select_related("user").get(pk=row[0])
    if not token.user.is_active:
        return None
    return Use(token, token.window_requests, token.window_started_at + WINDOW)
