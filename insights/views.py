"""/insights/: the longer lists behind the dashboard's trend cards (managers)."""

import datetime

from django.shortcuts import render
from django.utils import timezone

from core.roles import manager_required
from customers.models import Customer
from interactions.moods import mood_falls

from . import selectors

MOOD_DAYS = 30


@manager_required
def insights(request):
    now = timezone.now()
    fell = mood_falls(now - datetime.timedelta(days=MOOD_DAYS))
    customers = Customer.objects.live().only("name").in_bulk([f.customer_id for f in fell])
    return render(
        request,
        "insights/insights.html",
        {
            "run": selectors.last_run(),
            "rising": selectors.rising_themes(limit=None),
            "wanted": selectors.wanted_themes(limit=None),
            "causes": selectors.causes(),
            "gaps": selectors.segment_gaps(),
            "mood_falls": [
                (customers[f.customer_id], f) for f in fell if f.customer_id in customers
            ],
            "mood_days": MOOD_DAYS,
        },
    )
