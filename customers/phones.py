"""Phone numbers as typed, and as one form to search by (E.164, with the phonenumbers library).

A customer's number is kept as it was typed and, beside it, in E.164 (``+447700900015``) when
it parses as a possible number in PHONE_REGION, the business's country. A caller's number
then finds them whatever its spacing, and in its national form (``07700 900015``) as well as
its international one. A number that does not parse keeps an empty E.164 and is flagged on
the profile; what was typed is never changed.
"""

import re
import unicodedata

import phonenumbers
from django.conf import settings

# What a search for a number looks like: digits (any script), spaces and the usual marks.
PHONE_LIKE = re.compile(r"[+(]?[\d\s().\-/]+")
# Fewer digits than this is a fragment of anything, not of a number.
MIN_SEARCH_DIGITS = 4


def phone_e164(text: str, region: str | None = None) -> str:
    """``text`` in E.164 if it is a possible number (in PHONE_REGION unless it says +...)."""
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_digits(text: str) -> str | None:
    """The digits to look for in E.164 numbers when ``text`` looks like (part of) a phone
    number; None when it does not (a name, an email, "customer4242")."""
    text = text.strip()
    if not PHONE_LIKE.fullmatch(text):
        return None
    digits = "".join(str(unicodedata.decimal(char)) for char in text if char.isdecimal())
    if len(digits) < MIN_SEARCH_DIGITS:
        return None
    international = text.startswith("+") or digits.startswith("00")
    region = settings.PHONE_REGION
    prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
    national = bool(prefix) and digits.startswith(prefix) and not international
    if international or national:
        whole = phone_e164(text)
        if whole:
            return whole.removeprefix("+")
    if international:
        return digits.removeprefix("00")
    if national:
        # The start of a national number: "07700 9" is "+44 7700 9..." without its trunk 0.
        return f"{phonenumbers.country_code_for_region(region)}{digits[len(prefix) :]}"
    return digits  # a run of digits from anywhere in the number
