from django.shortcuts import render
from django.utils import timezone

from core.roles import is_manager
from customers.names import tell_apart
from inbound.selectors import unmatched_count
from interactions.complaints.selectors import with_badges
from interactions.follow_ups.forms import SnoozeForm

from . import my_day as due

# Each card shows the most urgent few, with "See all" and the full count beside it: My day is a
# plan for today, and a card of fifty rows is one nobody reads to the end.
MY_DAY_LIMIT = 20
PROMISES_LIMIT = 5


def my_day(request):
    today = timezone.localdate()
    user = request.user
    reminders = due.other_reminders(user, today)
    checkins = due.checkins_due(user, today)
    follow_ups = due.follow_ups_due(user, today)
    complaints = due.open_complaints(user)
    shown = {
        "reminders": list(reminders[:MY_DAY_LIMIT]),
        "checkins": list(checkins[:MY_DAY_LIMIT]),
        "follow_ups": list(follow_ups[:MY_DAY_LIMIT]),
        # One more than it shows, to know whether to offer the rest.
        "promises": list(due.promises_coming_up(user, today)[: PROMISES_LIMIT + 1]),
        "complaints": with_badges(complaints[:MY_DAY_LIMIT]),
    }
    promise_count = len(shown["promises"])
    if promise_count > PROMISES_LIMIT:
        promise_count = due.promises_coming_up(user, today).count()
    tell_apart(
        [*shown["checkins"]]
        + [
            row.customer
            for key in ("reminders", "follow_ups", "promises", "complaints")
            for row in shown[key]
        ]
    )
    return render(
        request,
        "front/my_day.html",
        {
            "today": today,
            **shown,
            "promises": shown["promises"][:PROMISES_LIMIT],
            "promise_count": promise_count,
            "reminder_count": reminders.count(),
            "checkin_count": checkins.count(),
            "follow_up_count": follow_ups.count(),
            "complaint_count": complaints.count(),
            "follow_up_labels": SnoozeForm.row_labels(),
            # Managers see that email waits for someone to file it; staff find it under Inbox.
            "unmatched_email_count": unmatched_count() if is_manager(user) else 0,
        },
    )
