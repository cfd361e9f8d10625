"""Shared pieces of the fuzzing tests: hostile input strategies, a whole-database fingerprint,
and the check every submission must pass (accepted, or refused with a visible reason and no
write)."""

import contextlib
import datetime
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.contrib.messages.constants import ERROR
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.html import conditional_escape
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st


def fuzz(examples: int = 30) -> settings:
    """Hypothesis settings for a view: each example is a full request, so few and no deadline.

    The fixtures' rows are shared by every example (each one's writes are rolled back), and the
    example database is off: failures print their example instead of leaving files behind.
    """
    scale = int(os.environ.get("FUZZ_SCALE", "1"))
    return settings(
        # FUZZ_SCALE=10 for a longer, random hunt on a developer's machine. The default run
        # (CI's) draws the same examples every time, so a red build always reproduces.
        max_examples=examples * scale,
        derandomize=scale == 1,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


OMIT = object()  # a field left out of the POST altogether

# What a browser or a script can put in a form: any character but lone surrogates, which UTF-8
# cannot carry. NUL is in, because PostgreSQL refuses it in text.
ANY_CHAR = st.characters(exclude_categories=("Cs",))

NASTY = [
    "\x00",
    "a\x00b",
    "\x00" * 3 + "2024-01-01",
    "\u202eevil",
    "\ufeff",
    "\r\n\t\x0b\x0c",
    "\x1b[31m",
    "'; DROP TABLE customers_customer; --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%(name)s %s {0}",
    "%00",
    "💥" * 5,
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() accepts them
    "０１",  # fullwidth digits
    "-1",
    "0",
    "1e9",
    "NaN",
    "inf",
    "9" * 30,
    "-" + "9" * 30,
    "9" * 5000,
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "31/12/2024",
    "2024-13-01",
    "0000-00-00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2024-03-31T01:30",  # does not exist in Europe/London
    "2024-10-27T01:30",  # happens twice in Europe/London
    "true",
    "None",
    "null",
    "[]",
    "{}",
    "x" * 70_000,
]

# Hostile values: what str.isdigit(), int() and date arithmetic trip over ------------------------

# The digits of other scripts: int() reads most of them, and str.isdigit() also passes the
# superscripts and circled ones, which int() then refuses.
DIGIT_SCRIPTS = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "devanagari": "०१२३४५६७८९",
    "fullwidth": "０１２３４５６７８９",
    "mathematical": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
}
UNICODE_DIGITS = ["²", "①", "٣", "５", "١٢", "१२", "𝟗", "Ⅻ", "½", "߁"]
# Spaces that are not " ", and characters that look like nothing at all.
ODD_SPACES = ["\xa0", "\t", " ", "\u2003", "\u3000", "\n", "\r\n", "\x0b", "\u200b", "\ufeff"]
# The first and last days Python has, and moments at their edges in any zone.
EDGE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "9999-12-31T23:59:59.999999",
    "0001-01-01 00:00:00",
    "0001-01-01T00:00Z",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59-12:00",
    "10000-01-01",
    "0000-12-31",
]
HUGE_NUMBERS = [
    str(2**63),  # one past PostgreSQL's bigint
    "9" * 5000,
    "-" + "9" * 5000,
    "1" + "0" * 4300,
    str(2**63 - 1),
    str(2**64),
    str(-(2**63) - 1),
    "1" * 19,
    "1e309",
    "-1e309",
]
NEGATIVE_NUMBERS = ["-1", "-0", "-32769", "-2147483649"]
NULS = ["\x00", "1\x00", "\x001", "2024-01-01\x00", "a\x00b"]
HOSTILE_VALUES = [*HUGE_NUMBERS, *UNICODE_DIGITS, *EDGE_DATES, *NEGATIVE_NUMBERS, *NULS]


# The first and last day, shaped like the value they replace: a date, or a datetime-local
# value (the first moment given in UTC, which is before year 1 in a zone west of it).
_EDGES = {"earliest": ("0001-01-01", "T00:00Z"), "latest": ("9999-12-31", "T23:59")}


@dataclass(frozen=True)
class Hostile:
    """One way to spoil a field's valid value: replace it, respell its digits in another
    script, put odd spaces around it, make it negative, the first or last day there is, or slip
    a NUL into it. A failing example prints it."""

    kind: str  # replace, respell, pad, lead, trail, negate, earliest, latest, nul
    arg: str = ""

    def apply(self, valid: str) -> str:
        if self.kind == "replace":
            return self.arg
        if self.kind == "respell":
            digits = DIGIT_SCRIPTS[self.arg]
            respelled = valid.translate(str.maketrans("0123456789", digits))
            return respelled if respelled != valid else digits[1] + digits[2]
        if self.kind == "pad":
            return self.arg + valid + self.arg
        if self.kind == "lead":
            return self.arg + valid
        if self.kind == "trail":
            return valid + self.arg
        if self.kind == "negate":
            return "-" + valid
        if self.kind in _EDGES:
            day, time = _EDGES[self.kind]
            return day + time if valid[10:11] == "T" else day
        assert self.kind == "nul", self.kind
        middle = len(valid) // 2
        return valid[:middle] + "\x00" + valid[middle:]


# Its simplest change, which Hypothesis draws first, is one to a number past PostgreSQL's bigint.
hostile_changes = st.one_of(
    st.sampled_from(HOSTILE_VALUES).map(lambda value: Hostile("replace", value)),
    st.sampled_from(sorted(DIGIT_SCRIPTS)).map(lambda script: Hostile("respell", script)),
    st.builds(Hostile, st.sampled_from(["pad", "lead", "trail"]), st.sampled_from(ODD_SPACES)),
    st.sampled_from(["negate", "earliest", "latest", "nul"]).map(Hostile),
)

# What every field meets, whatever the drawn examples: one of each kind of trouble.
EVERY_FIELD_MEETS = [
    Hostile("replace", "²"),  # str.isdigit() says yes, int() says no
    Hostile("respell", "arabic-indic"),  # int() reads these
    Hostile("pad", "\xa0"),
    Hostile("replace", "9" * 5000),  # past int()'s 4,300 digits
    Hostile("negate"),
    Hostile("earliest"),
    Hostile("latest"),
    Hostile("nul"),
]
DRAWN_PER_FIELD = 1


def fuzz_one_value(test):
    """For a test taking ``change``: every change in EVERY_FIELD_MEETS, then DRAWN_PER_FIELD
    drawn ones (FUZZ_SCALE times as many). Few: each is a full request, for every field."""
    for change in reversed(EVERY_FIELD_MEETS):
        test = example(change=change)(test)
    return fuzz(DRAWN_PER_FIELD)(given(change=hostile_changes)(test))


long_text = st.builds(
    lambda chunk, times: chunk * times,
    st.text(ANY_CHAR, min_size=1, max_size=3),
    st.integers(min_value=100, max_value=4000),
)

junk = st.one_of(
    st.text(ANY_CHAR, max_size=30),
    st.sampled_from(NASTY),
    st.sampled_from(HOSTILE_VALUES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(datetime.date.isoformat),
    st.datetimes().map(lambda moment: moment.isoformat()[:16]),
    st.floats().map(str),
    long_text,
)

# A field left out, sent twice or more, or holding junk.
mutation = st.one_of(
    junk, st.just(OMIT), st.lists(junk, min_size=2, max_size=3), st.lists(junk, max_size=0)
)


def text(max_size=40):
    """Plausible free text: any characters, NUL included (which must be refused, not crash)."""
    return st.text(ANY_CHAR, min_size=1, max_size=max_size)


def choice(values):
    return st.sampled_from([str(value) for value in values])


any_date = st.dates().map(datetime.date.isoformat)  # year 1 to 9999, edges often


def days_from_today(low, high):
    """An ISO date between ``low`` and ``high`` days from today, and now and then any date."""
    near = st.integers(min_value=low, max_value=high).map(
        lambda days: (timezone.localdate() + datetime.timedelta(days=days)).isoformat()
    )
    return st.one_of(near, near, any_date)


next_url = st.one_of(
    st.sampled_from(
        [
            "/customers/",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/customers/\r\nSet-Cookie: x=1",
            "\x00/",
            "http://testserver/customers/",
        ]
    ),
    junk,
)


@st.composite
def submissions(draw, fields: dict, *, extra_fields=True):
    """A POST body: each field drawn from its plausible values, then up to three of them (and
    sometimes an unknown field) mutated into junk, lists or nothing."""
    data = {name: draw(strategy) for name, strategy in fields.items()}
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True)):
        data[name] = draw(mutation)
    if extra_fields and draw(st.booleans()):
        data[draw(st.text(ANY_CHAR.filter(lambda c: c != "\x00"), min_size=1, max_size=8))] = draw(
            junk
        )
    return {name: value for name, value in data.items() if value is not OMIT}


# Checking what happened ------------------------------------------------------------------------

# Sessions change on every request that logs in or stores a message; they are not user data.
UNTRACKED_TABLES = ("django_session", "django_migrations")


def _tables() -> list[str]:
    return [
        name
        for name in connection.introspection.table_names()
        if name not in UNTRACKED_TABLES and not name.startswith("axes_")
    ]


def db_fingerprint() -> dict[str, str]:
    """A hash of every row of every table, in one query: any insert, update or delete shows."""
    quote = connection.ops.quote_name
    parts = [
        f"SELECT '{name}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f"FROM {quote(name)} t"
        for name in _tables()
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


@contextlib.contextmanager
def rolled_back():
    """Each example starts from the same rows: whatever it wrote is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def _messages(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def form_errors(form) -> list[str]:
    return [str(message) for messages in form.errors.values() for message in messages]


def assert_all_shown(page: str, messages: list[str]) -> None:
    for message in messages:
        assert conditional_escape(message) in page, f"error not shown on the page: {message!r}"


def check_outcome(
    client,
    response,
    before: dict,
    *,
    form_key="form",
    is_accepted=None,
    refusals=(),
) -> str:
    """Assert the response is an acceptance or a refusal a person can act on, and return which.

    Accepted: a redirect to this site with no error message, or a status the caller names
    (a survey's thank-you page). Refused: the form again (200/400) with every error shown, a
    redirect carrying error messages that the next page shows, or one of ``refusals``
    ((status, text on the page)); a refusal writes nothing at all.
    """
    outcome = _outcome(client, response, before, form_key, is_accepted, refusals)
    event(outcome)  # --hypothesis-show-statistics: how often each path was taken
    return outcome


def _outcome(client, response, before, form_key, is_accepted, refusals) -> str:
    status = response.status_code
    assert status < 500, f"server error {status}"
    if status in (301, 302, 303):
        location = urlsplit(response.url)
        assert location.netloc in ("", "testserver"), f"redirected off the site: {response.url}"
        # Sent to log in: the test lost its session, and the form was never tried.
        assert location.path != resolve_url(django_settings.LOGIN_URL), "not signed in"
        errors = [text for level, text in _messages(response) if level >= ERROR]
        if not errors:
            return "accepted"
        assert _changed_tables(before, db_fingerprint()) == [], "refused, yet something was written"
        assert_all_shown(client.get(response.url).content.decode(), errors)
        return "refused"
    if is_accepted is not None and is_accepted(response):
        return "accepted"
    page = response.content.decode()
    assert _changed_tables(before, db_fingerprint()) == [], "refused, yet something was written"
    for refusal_status, text in refusals:
        if status == refusal_status:
            assert conditional_escape(text) in page, f"{status} without saying why"
            return "refused"
    assert status in (200, 400), f"unexpected status {status}"
    if status == 400 and "That request could not be read" in page:
        # A body Django's multipart parser refuses (say, a part's headers over its size limit)
        # never reaches the view: templates/400.html answers.
        return "refused"
    errors = form_errors(response.context[form_key])
    assert errors, "the form came back without saying what is wrong"
    assert_all_shown(page, errors)
    return "refused"


def post_and_check(client, url, data, **kwargs) -> str:
    with rolled_back():
        before = db_fingerprint()
        response = client.post(url, data)
        return check_outcome(client, response, before, **kwargs)
