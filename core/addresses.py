from django.conf import settings
from django.utils.crypto import salted_hmac


def keyed_hash(purpose: str, value: str) -> str:
    """A hash of ``value`` keyed with SECRET_KEY and ``purpose``: equal for equal values, and
    useless for anything else, so an address or email can be counted without being stored."""
    return salted_hmac(f"rapport.{purpose}", value, algorithm="sha256").hexdigest()


def client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or with proxies in front (TRUSTED_PROXY_COUNT) the
    X-Forwarded-For entry the outermost of them wrote. Entries left of it are the client's
    say-so, and would let a bot choose its own rate limit or dodge a login lockout."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
