"""Reading an id that arrives as text, from a hidden field or a query string."""

# str.isdigit() says yes to "²" and "①", which int() then refuses, and int() itself reads the
# digits of every script ("٣", "５") and numbers too long to convert; an id is ASCII digits,
# and 18 of them always fit PostgreSQL's bigint.
MAX_ID_DIGITS = 18


def parse_id(raw) -> int | None:
    """The id ``raw`` spells in plain ASCII digits, or None for anything else."""
    if isinstance(raw, str) and 0 < len(raw) <= MAX_ID_DIGITS and raw.isascii() and raw.isdigit():
        return int(raw)
    return None
