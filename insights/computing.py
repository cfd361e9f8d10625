"""Compute the insight tables (models.py) from what customers said and what happened, in a
few set-based statements; beat runs it every INSIGHTS_EVERY_SECONDS, and each run replaces
the tables whole in one transaction, so a page reads either the old figures or the new.

The words: what customers wrote on the public form, the title of each complaint staff opened
for them, and their survey wishes and comments. Each word is stemmed by PostgreSQL's English
dictionary (``ts_lexize('english_stem', …)``: "evenings" and "evening" are "even", and stop
words such as "the" are no word at all); a theme is one stem, counted once per text.
"""

import datetime
import time
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer
from interactions.models import Interaction
from voice.models import FeedbackSubmission

from .models import (
    CauseCount,
    InsightsRun,
    RisingTheme,
    SegmentGap,
    ThemeCount,
    WantedTheme,
)
from .trends import trend

WEEK_SECONDS = 7 * 24 * 3600
GAP_PERIOD_DAYS = 28
# Words shorter than this are rarely a theme ("ok", "we") and never a stem worth showing.
MIN_WORD = 3
# The customers kept with a theme: enough to name on the dashboard and in the email.
CUSTOMERS_KEPT = 50

SEGMENT = """COALESCE(NULLIF(cu.segment, ''),
    CASE WHEN cu.customer_since > %(new_since)s THEN 'new' ELSE 'established' END)"""

# One row per word of each text of the last weeks: which text, whose, which week, the word
# and its stem.
WORDS = f"""
WITH texts AS (
    SELECT 'form-' || f.id AS text, f.customer_id, f.created_at AS at, f.message AS body
    FROM voice_feedbacksubmission f
    WHERE f.customer_id IS NOT NULL AND f.state = %(processed)s AND f.created_at >= %(since)s
        AND f.created_at < %(now)s
  UNION ALL
    SELECT 'case-' || c.id, c.customer_id, c.opened_at, c.summary
    FROM interactions_complaint c
    WHERE c.opened_at >= %(since)s AND c.opened_at < %(now)s
        AND NOT EXISTS (SELECT 1 FROM voice_feedbacksubmission f WHERE f.complaint_id = c.id)
  UNION ALL
    SELECT 'survey-' || s.id, s.customer_id, s.answered_at, s.unmet_want || ' ' || s.comment
    FROM voice_survey s
    WHERE s.answered_at >= %(since)s AND s.answered_at < %(now)s
), words AS (
    SELECT t.text, t.customer_id,
        floor(extract(epoch FROM (%(now)s - t.at)) / {WEEK_SECONDS})::int AS week,
        lower(w.word) AS word
    FROM texts t
    -- An erased customer's texts are placeholders, not words of theirs (privacy.erasure).
    JOIN customers_customer author ON author.id = t.customer_id AND author.erased_at IS NULL,
    regexp_split_to_table(t.body, '[^[:alpha:]]+') AS w(word)
    WHERE length(w.word) >= {MIN_WORD}
), stemmed AS (
    SELECT text, customer_id, week, word, (ts_lexize('english_stem', word))[1] AS theme
    FROM words
)
"""

THEME_COUNTS = f"""{WORDS}
SELECT m.theme, m.week, {SEGMENT} AS segment, count(*)
FROM (SELECT DISTINCT theme, week, text, customer_id FROM stemmed WHERE theme <> '') m
JOIN customers_customer cu ON cu.id = m.customer_id
GROUP BY 1, 2, 3
"""

# This week's themes: the word customers most often wrote for each, and who wrote it.
THIS_WEEK = f"""{WORDS}
SELECT theme, mode() WITHIN GROUP (ORDER BY word),
    (array_agg(DISTINCT customer_id))[1:{CUSTOMERS_KEPT}]
FROM stemmed WHERE week = 0 AND theme <> ''
GROUP BY theme
"""

# The unmet wants on live customers' profiles and in survey wishes: themes several share.
WANTED = f"""
WITH wants AS (
    -- Without the notes Rapport adds to a wish: "(survey, 7 Dec 2026)".
    SELECT cu.id AS customer_id, regexp_replace(cu.unmet_wants, '\\([^)]*\\)', ' ', 'g') AS body
    FROM customers_customer cu
    WHERE cu.unmet_wants <> '' AND cu.archived_at IS NULL
  UNION ALL
    SELECT s.customer_id, s.unmet_want FROM voice_survey s
    JOIN customers_customer author ON author.id = s.customer_id AND author.erased_at IS NULL
    WHERE s.unmet_want <> ''
), stemmed AS (
    SELECT w.customer_id, lower(x.word) AS word,
        (ts_lexize('english_stem', lower(x.word)))[1] AS theme
    FROM wants w, regexp_split_to_table(w.body, '[^[:alpha:]]+') AS x(word)
    WHERE length(x.word) >= {MIN_WORD}
)
SELECT theme, mode() WITHIN GROUP (ORDER BY word), count(DISTINCT customer_id),
    (array_agg(DISTINCT customer_id))[1:{CUSTOMERS_KEPT}]
FROM stemmed WHERE theme <> ''
GROUP BY theme HAVING count(DISTINCT customer_id) >= %(several)s
ORDER BY 3 DESC, 1 LIMIT %(limit)s
"""

# Complaints by the week they were resolved, with their cause; a target missed is a late
# first response or a late resolution; a customer lost is one whose status says so now.
CAUSES = f"""
SELECT floor(extract(epoch FROM (%(now)s - c.resolved_at)) / {WEEK_SECONDS})::int AS week,
    c.cause, count(*),
    count(*) FILTER (WHERE c.resolved_at > c.resolve_by OR c.first_response_at > c.respond_by),
    count(DISTINCT c.customer_id) FILTER (WHERE cu.status = %(lost)s)
FROM interactions_complaint c JOIN customers_customer cu ON cu.id = c.customer_id
WHERE c.resolved_at >= %(since)s AND c.resolved_at < %(now)s
GROUP BY 1, 2
"""

GAPS = f"""
SELECT floor(extract(epoch FROM (%(now)s - i.occurred_at)) / %(gap_seconds)s)::int AS period,
    {SEGMENT} AS segment,
    count(*) FILTER (WHERE i.outcome = %(exceeded)s),
    count(*) FILTER (WHERE i.outcome = %(fell_short)s),
    count(*) FILTER (WHERE i.outcome <> %(unknown)s)
FROM interactions_interaction i JOIN customers_customer cu ON cu.id = i.customer_id
WHERE i.occurred_at >= %(gap_since)s AND i.occurred_at < %(now)s AND i.kind <> %(note)s
GROUP BY 1, 2
"""


def _params(now: datetime.datetime) -> dict:
    weeks = settings.INSIGHTS_BASELINE_WEEKS + 1
    gap = datetime.timedelta(days=GAP_PERIOD_DAYS)
    return {
        "now": now,
        "since": now - datetime.timedelta(weeks=weeks),
        "new_since": timezone.localdate(now) - datetime.timedelta(days=settings.NEW_CUSTOMER_DAYS),
        "processed": FeedbackSubmission.State.PROCESSED,
        "lost": Customer.Status.LOST,
        "several": settings.INSIGHTS_SEVERAL_CUSTOMERS,
        "limit": 20,
        "gap_seconds": gap.total_seconds(),
        "gap_since": now - 2 * gap,
        "exceeded": Interaction.Outcome.EXCEEDED,
        "fell_short": Interaction.Outcome.FELL_SHORT,
        "unknown": Interaction.Outcome.UNKNOWN,
        "note": Interaction.Kind.NOTE,
    }


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def insights_compute(now: datetime.datetime | None = None) -> InsightsRun:
    """Replace every insight table with figures as of ``now``."""
    started = time.monotonic()
    now = now or timezone.now()
    params = _params(now)
    counts = [
        ThemeCount(theme=theme, week=week, segment=segment, mentions=n)
        for theme, week, segment, n in _rows(THEME_COUNTS, params)
    ]
    by_theme = defaultdict(lambda: defaultdict(int))
    for count in counts:
        by_theme[count.theme][count.week] += count.mentions
    this_week = {theme: (word, ids) for theme, word, ids in _rows(THIS_WEEK, params)}
    rising = []
    for theme, weeks in by_theme.items():
        found = trend(weeks)
        if found.rising:
            word, ids = this_week[theme]
            rising.append(
                RisingTheme(
                    theme=theme,
                    word=word,
                    mentions=found.mentions,
                    expected=found.expected,
                    p_value=found.p_value,
                    customer_ids=ids,
                )
            )
    wanted = [
        WantedTheme(theme=theme, word=word, customers=n, customer_ids=ids)
        for theme, word, n, ids in _rows(WANTED, params)
    ]
    causes = [
        CauseCount(week=w, cause=cause, complaints=n, breached=b, lost_customers=lost)
        for w, cause, n, b, lost in _rows(CAUSES, params)
    ]
    gaps = [
        SegmentGap(period=p, segment=s, exceeded=e, fell_short=f, known=k)
        for p, s, e, f, k in _rows(GAPS, params)
    ]
    with transaction.atomic():
        # Two runs at once (two beats) write one after the other, each the whole set.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('insights.computing'))")
        for model, rows in (
            (ThemeCount, counts),
            (RisingTheme, rising),
            (WantedTheme, wanted),
            (CauseCount, causes),
            (SegmentGap, gaps),
        ):
            model.objects.all().delete()
            model.objects.bulk_create(rows, batch_size=1000)
        InsightsRun.objects.all().delete()
        return InsightsRun.objects.create(computed_at=now, seconds=time.monotonic() - started)
