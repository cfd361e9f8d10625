"""How a link's or a key's secret token is kept: only its SHA-256, so the table alone opens
nothing (survey and case links, calendar feeds, API tokens)."""

import hashlib


def token_hash(raw_token: str) -> str:
    # surrogatepass: whatever a URL decoded to hashes to something, and matches no token.
    return hashlib.sha256(raw_token.encode("utf-8", "surrogatepass")).hexdigest()
