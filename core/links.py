"""Links to pages named by their ids, as ``reverse()`` writes them, for pages that draw many.

``reverse()`` matches the URL pattern afresh on every call, about 25 microseconds; My day and
the timeline draw a hundred links a page. The first link to a page shows where its ids go, and
every later one is joined from those pieces.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no table reaches: where it appears in a reversed link is where the ids go.
_MARK = str(987_654_321_987)


@functools.lru_cache(maxsize=512)
def _pieces(name: str, arity: int, prefix: str, urlconf: str) -> tuple[str, ...] | None:
    # The script prefix is part of the key: reverse() starts every link with it.
    pieces = tuple(reverse(name, urlconf=urlconf, args=[int(_MARK)] * arity).split(_MARK))
    return pieces if len(pieces) == arity + 1 else None


def link(name: str, *ids: int) -> str:
    """``reverse(name, args=ids)``, for ids that are whole numbers."""
    if not all(type(pk) is int and pk >= 0 for pk in ids):
        return reverse(name, args=ids)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pieces = _pieces(name, len(ids), get_script_prefix(), urlconf)
    if pieces is None:
        return reverse(name, args=ids)
    parts = [pieces[0]]
    for pk, piece in zip(ids, pieces[1:], strict=True):
        parts += (str(pk), piece)
    return "".join(parts)
