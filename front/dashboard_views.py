import datetime

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import selectors as outbox_selectors
from core.people import person_name
from core.roles import manager_required
from customers.forms import assignable_users
from customers.models import Customer
from inbound import selectors as inbound_selectors
from insights import selectors as insight_selectors
from interactions.models import Complaint, FollowUp, Interaction
from interactions.reminders import selectors as reminder_selectors
from voice import selectors as voice_selectors

from . import at_risk, dashboard

FAILED_REMINDERS_SHOWN = 20


def _period(request) -> int:
    try:
        days = int(request.GET.get("period", 30))
    except ValueError:
        return 30
    return days if days in dashboard.PERIODS else 30


@manager_required
def dashboard_view(request):
    # 19 queries whatever the data: session, user, manager check, open complaints counted,
    # complaints opened in the period, days counted through, summarised days, live days, staff
    # with their counts, net promoter score, recovery rate, the at-risk candidates scored, the
    # worst of them loaded, failed reminders, unmet wants, emails that did not go, the insight
    # tables (rising themes, causes, segment gaps); with IMAP mailboxes configured, those not
    # reached lately, and with themes rising, the customers behind them.
    now = timezone.now()
    today = timezone.localdate(now)
    period = _period(request)
    start = today - datetime.timedelta(days=period)
    complaints = dashboard.complaint_figures(now, start)
    interactions = dashboard.interaction_figures(start, today)
    staff = dashboard.staff_rows(today, start, complaints.open_by_assignee)
    nps_weeks, nps = voice_selectors.nps_by_week(start)
    causes = insight_selectors.causes()
    recovered, resolved = voice_selectors.recovery_rate(start)
    charts = {
        # Each chart's series by their names, written in the reader's language here: the
        # script that draws them holds no words of its own.
        "staff": {
            "labels": [person_name(row.user) for row in staff],
            "series": {
                _("Due today"): [row.checkins_due for row in staff],
                _("Overdue"): [row.checkins_overdue for row in staff],
            },
        },
        "complaints": {
            "labels": [str(Complaint.Severity(s).label) for s in complaints.by_severity],
            "series": {
                str(Complaint.TargetStatus(status).label): [
                    counts[status] for counts in complaints.by_severity.values()
                ]
                for status in next(iter(complaints.by_severity.values()))
            },
        },
        "times": {
            "labels": [week.isoformat() for week in complaints.weeks],
            "series": {
                _("Median hours to first response"): complaints.median_response_hours,
                _("Median hours to resolution"): complaints.median_resolution_hours,
            },
        },
        "quality": {
            "labels": [week.isoformat() for week in interactions.weeks],
            "series": {_("Exceeded minus fell short (points)"): interactions.quality},
        },
        "nps": {
            "labels": [week.isoformat() for week in nps_weeks],
            "series": {_("Net promoter score"): nps},
        },
        "causes": {
            "labels": insight_selectors.cause_week_labels(now),
            "series": {row.label: row.by_week for row in causes},
        },
        "kinds": {
            "labels": [week.isoformat() for week in interactions.weeks],
            "series": {
                str(Interaction.Kind(kind).label): counts
                for kind, counts in interactions.by_kind.items()
            },
        },
    }
    return render(
        request,
        "front/dashboard.html",
        {
            "period": period,
            "periods": dashboard.PERIODS,
            "staff": staff,
            "team": dashboard.team_totals(staff),
            "complaints": complaints,
            "interactions": interactions,
            "charts": charts,
            "failed_reminders": reminder_selectors.failed_reminders()[:FAILED_REMINDERS_SHOWN],
            "at_risk": at_risk.customers_at_risk(today, now),
            "recovery": {
                "recovered": recovered,
                "resolved": resolved,
                "rate": dashboard._share(recovered, resolved),
            },
            "unmet_wants": voice_selectors.recent_unmet_wants(10),
            "failed_emails": outbox_selectors.failed_email_count(),
            "unreachable_mailboxes": inbound_selectors.unreachable_mailboxes(),
            "rising": insight_selectors.rising_themes(),
            "causes": causes,
            "gaps": insight_selectors.segment_gaps(),
        },
    )


@manager_required
def staff_member(request, user_id):
    user = get_object_or_404(assignable_users(), pk=user_id)
    now = timezone.now()
    today = timezone.localdate(now)
    period = _period(request)
    start = today - datetime.timedelta(days=period)
    open_by_assignee = {user.pk: Complaint.objects.open().assigned_to(user).count()}
    users = assignable_users().filter(pk=user.pk)
    (row,) = dashboard.staff_rows(today, start, open_by_assignee, users=users)
    portfolio = Customer.objects.live().owned_by(user)
    return render(
        request,
        "front/staff_member.html",
        {
            "member": user,
            "row": row,
            "period": period,
            "periods": dashboard.PERIODS,
            "portfolio_count": portfolio.count(),
            "overdue": portfolio.checkin_overdue(today).order_by("next_checkin_due")[:25],
            "open_complaints": Complaint.objects.open()
            .assigned_to(user)
            .select_related("customer")
            .most_urgent_first()[:25],
            "open_promises": FollowUp.objects.open()
            .promises()
            .assigned_to(user)
            .select_related("customer")
            .order_by("due_on")[:25],
            "today": today,
        },
    )
