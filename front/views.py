from django.db.models import Case, F, When
from django.shortcuts import render
from django.utils import timezone

from customers.models import Customer
from interactions.complaints.selectors import with_badges
from interactions.follow_ups.forms import SnoozeForm
from interactions.models import Complaint, FollowUp
from interactions.reminders.planning import reminders_for

# Each card shows the most urgent few, with "See all" and the full count beside it: My day is a
# plan for today, and a card of fifty rows is one nobody reads to the end.
MY_DAY_LIMIT = 20


def _my_open_complaints(user):
    """Open cases assigned to the user, the one whose current target falls due first on top:
    the response target until someone responds, then the resolution target."""
    return (
        Complaint.objects.open()
        .assigned_to(user)
        .select_related("customer")
        .annotate(
            next_target=Case(
                When(first_response_at__isnull=True, then=F("respond_by")),
                default=F("resolve_by"),
            )
        )
        .order_by("next_target", "id")
    )


def my_day(request):
    today = timezone.localdate()
    user = request.user
    checkins = (
        Customer.objects.owned_by(user).due_for_checkin(today).order_by("next_checkin_due", "id")
    )
    follow_ups = (
        FollowUp.objects.assigned_to(user)
        .needing_attention(today)
        .select_related("customer")
        .order_by("due_on", "id")
    )
    complaints = _my_open_complaints(user)
    reminders = reminders_for(user, today)
    return render(
        request,
        "front/my_day.html",
        {
            "today": today,
            # The same items as /reminders/, with the same actions.
            "reminders": reminders[:MY_DAY_LIMIT],
            "reminder_count": reminders.count(),
            "checkins": checkins[:MY_DAY_LIMIT],
            "checkin_count": checkins.count(),
            "follow_ups": follow_ups[:MY_DAY_LIMIT],
            "follow_up_count": follow_ups.count(),
            "complaints": with_badges(complaints[:MY_DAY_LIMIT]),
            "complaint_count": complaints.count(),
            "follow_up_labels": SnoozeForm.row_labels(),
        },
    )
