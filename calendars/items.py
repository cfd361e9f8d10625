"""What a member of staff's calendar feed lists: their open follow-ups, the check-ins due on
the customers they own, and the targets of the open complaints assigned to them.

Each kind is one query (with its customer joined), so a feed costs the same few queries
however much it lists.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.links import link
from customers.models import Customer
from interactions.models import Complaint, FollowUp

# A calendar app is no place for more; past it, the latest are left out.
MAX_ITEMS = 2_000
# A complaint target is a moment: shown as a short appointment starting then.
TARGET_LENGTH = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class CalendarItem:
    key: str  # unique and stable per item: "follow-up-12", the UID before the host
    summary: str
    description: str
    path: str  # the item's page in Rapport
    start: datetime.date | datetime.datetime  # a date is an all-day event
    end: datetime.date | datetime.datetime

    def sort_key(self) -> datetime.datetime:
        if isinstance(self.start, datetime.datetime):
            return self.start
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))


def _customer_line(customer: Customer) -> str:
    if customer.company:
        return _("Customer: %(name)s (%(company)s)") % {
            "name": customer.name,
            "company": customer.company,
        }
    return _("Customer: %(name)s") % {"name": customer.name}


def _day(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def _all_day(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return day, day + datetime.timedelta(days=1)


def follow_up_items(user) -> list[CalendarItem]:
    """Open follow-ups assigned to ``user``, on their due date, or the snooze date if later."""
    follow_ups = (
        FollowUp.objects.open()
        .assigned_to(user)
        .select_related("customer")
        .only(
            "summary",
            "due_on",
            "promised",
            "snoozed_until",
            "customer__name",
            "customer__company",
        )
        .order_by("due_on", "id")[:MAX_ITEMS]
    )
    items = []
    for follow_up in follow_ups:
        lines = [_customer_line(follow_up.customer)]
        if follow_up.promised:
            summary = _("Promised: %(summary)s") % {"summary": follow_up.summary}
            promise = _("Promised to the customer by %(day)s.")
            lines.append(promise % {"day": _day(follow_up.due_on)})
        else:
            summary = _("Follow-up: %(summary)s") % {"summary": follow_up.summary}
        if follow_up.next_due != follow_up.due_on:
            lines.append(
                _("Due %(due)s, snoozed until %(until)s.")
                % {"due": _day(follow_up.due_on), "until": _day(follow_up.next_due)}
            )
        items.append(
            CalendarItem(
                f"follow-up-{follow_up.pk}",
                summary,
                "\n".join(lines),
                link("customers:detail", follow_up.customer_id),
                *_all_day(follow_up.next_due),
            )
        )
    return items


def checkin_items(user, today: datetime.date) -> list[CalendarItem]:
    """The live customers ``user`` owns whose check-in falls due by CALENDAR_DAYS_AHEAD from
    today; the overdue ones on today, where they will be seen."""
    until = today + datetime.timedelta(days=settings.CALENDAR_DAYS_AHEAD)
    customers = (
        Customer.objects.live()
        .owned_by(user)
        .filter(next_checkin_due__lte=until)
        .only("name", "company", "next_checkin_due")
        .order_by("next_checkin_due", "id")[:MAX_ITEMS]
    )
    items = []
    for customer in customers:
        lines = [_customer_line(customer)]
        if customer.next_checkin_due < today:
            lines.append(_("Overdue since %(day)s.") % {"day": _day(customer.next_checkin_due)})
        items.append(
            CalendarItem(
                # One per customer: logging contact moves it to the next due date.
                f"check-in-{customer.pk}",
                _("Check in with %(name)s") % {"name": customer.name},
                "\n".join(lines),
                link("customers:detail", customer.pk),
                *_all_day(max(customer.next_checkin_due, today)),
            )
        )
    return items


def complaint_items(user) -> list[CalendarItem]:
    """The targets of open complaints assigned to ``user``: respond by, until someone has
    responded, and resolve by."""
    complaints = (
        Complaint.objects.open()
        .assigned_to(user)
        .select_related("customer")
        .only(
            "summary",
            "severity",
            "respond_by",
            "resolve_by",
            "first_response_at",
            "customer__name",
            "customer__company",
        )
        .order_by("resolve_by", "id")[:MAX_ITEMS]
    )
    items = []
    for complaint in complaints:
        description = "\n".join(
            [
                _customer_line(complaint.customer),
                _("Severity: %(severity)s") % {"severity": complaint.get_severity_display()},
            ]
        )
        path = link("interactions:complaint", complaint.pk)
        names = {"id": complaint.pk, "summary": complaint.summary}
        if complaint.first_response_at is None:
            items.append(
                CalendarItem(
                    f"complaint-{complaint.pk}-respond",
                    _("Respond to complaint #%(id)s: %(summary)s") % names,
                    description,
                    path,
                    complaint.respond_by,
                    complaint.respond_by + TARGET_LENGTH,
                )
            )
        items.append(
            CalendarItem(
                f"complaint-{complaint.pk}-resolve",
                _("Resolve complaint #%(id)s: %(summary)s") % names,
                description,
                path,
                complaint.resolve_by,
                complaint.resolve_by + TARGET_LENGTH,
            )
        )
    return items


def calendar_items(user, *, today: datetime.date) -> list[CalendarItem]:
    """Everything the feed lists for ``user``, soonest first, at most MAX_ITEMS."""
    items = [*follow_up_items(user), *checkin_items(user, today), *complaint_items(user)]
    items.sort(key=CalendarItem.sort_key)
    return items[:MAX_ITEMS]
