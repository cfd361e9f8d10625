"""Trend-spotting over the seeded book: what customers wrote, moods and causes added for the
last nine weeks, then insights.computing.insights_compute timed over all of it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/insights.py

Adds, for the run only: 20,000 messages on the public form from random customers (sentences
drawn from a list, one theme rising in the last week) and a mood on 20,000 of the last nine
weeks' interactions; the seeded complaints carry their causes. Times the computation twice
(the second is what beat meets every hour) and leaves the insight tables computed, for the
dashboard's cards, while it takes the rest away. Prints one JSON line.
"""

import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

MESSAGES = 20_000
MOODS = 20_000
SENTENCES = [
    "The engineer was late again and nobody called.",
    "Your prices went up but the service did not.",
    "Booking online is confusing, I gave up and phoned.",
    "Lovely work, very tidy, thank you.",
    "The invoice had the wrong address on it.",
    "Could you send reminders by text message?",
    "I waited on hold for twenty minutes.",
    "The part you fitted failed within a month.",
    "Friendly staff, but the visit was rushed.",
    "Please keep the same technician, she knows the house.",
    "Weekend appointments would help us a lot.",
    "The receptionist was rude when I asked about the delay.",
]
RISING = "Any chance of evening appointments after work?"


def measure(messages: int = MESSAGES, moods: int = MOODS) -> dict:
    from django.db import connection
    from django.utils import timezone

    from customers.models import Customer
    from insights.computing import insights_compute
    from interactions.models import Complaint, Interaction
    from voice.models import FeedbackSubmission
    from voice.services import client_hash

    rng = random.Random(24)
    now = timezone.now()
    customers = list(Customer.objects.order_by("?").values_list("pk", flat=True)[:5000])
    marker = client_hash("bench-insights")
    submissions = []
    for n in range(messages):
        days_ago = rng.uniform(0, 63)
        text = RISING if days_ago < 7 and n % 4 == 0 else rng.choice(SENTENCES)
        submissions.append(
            FeedbackSubmission(
                name="Bench",
                email=f"bench{n}@bench.example",
                topic=FeedbackSubmission.Topic.QUESTION,
                message=text,
                client_hash=marker,
                state=FeedbackSubmission.State.PROCESSED,
                acknowledgement=FeedbackSubmission.Acknowledgement.NOT_SENT,
                customer_id=rng.choice(customers),
                created_at=now - datetime.timedelta(days=days_ago),
            )
        )
    FeedbackSubmission.objects.bulk_create(submissions, batch_size=2000)
    recent = Interaction.objects.filter(occurred_at__gte=now - datetime.timedelta(weeks=9))
    mooded = list(recent.order_by("?").values_list("pk", flat=True)[:moods])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE interactions_interaction SET mood = 1 + (id %% 5) WHERE id = ANY(%s)",
            [mooded],
        )
    caused = Complaint.objects.filter(
        resolved_at__gte=now - datetime.timedelta(weeks=9), cause__gt=""
    ).count()
    try:
        first = insights_compute(now)
        started = time.perf_counter()
        second = insights_compute(now)
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM insights_themecount")
            theme_rows = cursor.fetchone()[0]
            cursor.execute("SELECT array_agg(word) FROM insights_risingtheme")
            rising = cursor.fetchone()[0] or []
    finally:
        FeedbackSubmission.objects.filter(client_hash=marker).delete()
        Interaction.objects.filter(pk__in=mooded).update(mood=None)
    return {
        "insights_seconds": round(seconds, 2),
        "insights_first_seconds": round(first.seconds, 2),
        "insights_texts": messages,
        "insights_moods": len(mooded),
        "insights_caused": caused,
        "insights_interactions": Interaction.objects.count(),
        "insights_theme_rows": theme_rows,
        "insights_rising": rising,
        "insights_second_run": round(second.seconds, 2),
    }


if __name__ == "__main__":
    from bench.standalone import django_on_postgres

    django_on_postgres()
    print(json.dumps(measure()))
