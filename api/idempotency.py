"""``Idempotency-Key`` on POST: the same key again, with the same request, gets the first
answer, and whatever the first one wrote is written once.

The key is recorded in the transaction that does the write. A retry that arrives while the
first is still running waits on the key's unique index until the first commits, then finds its
answer; if the first failed, nothing of it stays, the key included, and the retry runs afresh."""

import datetime
import functools
import hashlib

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

_CLAIM_SQL = f"""
INSERT INTO {IdempotentRequest._meta.db_table} (user_id, key, fingerprint, created_at)
VALUES (%s, %s, %s, now())
ON CONFLICT (user_id, key) DO NOTHING
RETURNING id
"""


class KeyReused(exceptions.APIException):
    status_code = 422
    default_detail = _("That Idempotency-Key was already used for a different request.")
    default_code = "idempotency_key_reused"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path()):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    digest.update(request.body)
    return digest.hexdigest()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise exceptions.ValidationError(
            {HEADER: [_("Use up to 255 printable ASCII characters, such as a UUID.")]}
        )
    return key


def idempotent(post):
    """Make a view's ``post`` honour Idempotency-Key."""

    @functools.wraps(post)
    def wrapper(view, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return post(view, request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_CLAIM_SQL, [request.user.pk, key, fingerprint])
                claimed = cursor.fetchone()
            if claimed is None:
                first = IdempotentRequest.objects.get(user=request.user, key=key)
                if first.fingerprint != fingerprint:
                    raise KeyReused
                return Response(
                    first.response,
                    status=first.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
            response = post(view, request, *args, **kwargs)
            IdempotentRequest.objects.filter(pk=claimed[0]).update(
                status_code=response.status_code, response=response.data
            )
        return response

    wrapper.idempotent = True
    return wrapper


def forget_old_keys() -> int:
    """Forget keys older than API_IDEMPOTENCY_HOURS: a retry comes within minutes, not days."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
