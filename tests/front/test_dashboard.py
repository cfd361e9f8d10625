"""Each dashboard figure against values worked out by hand on a small, fixed book."""

import datetime

import pytest
from django.utils import timezone

from core.dates import start_of_day
from core.models import OutgoingEmail
from front import at_risk, dashboard
from interactions.models import Complaint, FollowUp, Reminder
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory, InteractionFactory

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


@pytest.fixture
def book(staff_user, other_staff_user, manager_user, now, today):
    """Sam (staff_user) and Olive (other_staff_user), with the figures in the comments."""
    sam, olive = staff_user, other_staff_user
    due_today = CustomerFactory(name="Due Today", owner=sam, next_checkin_due=today)
    CustomerFactory(name="Five Late", owner=sam, next_checkin_due=today - 5 * D)
    CustomerFactory(name="Fine", owner=sam, next_checkin_due=today + 9 * D)
    CustomerFactory(name="One Late", owner=olive, next_checkin_due=today - D)
    CustomerFactory(name="Archived", owner=olive, next_checkin_due=today - 30 * D, archived_at=now)

    # Check-in adherence, 3 days' grace. Sam: on time, 10 days late, open past grace,
    # open within grace (not counted) -> 1 of 3. Olive: done the same day -> 1 of 1.
    def reminder(user, due, done_on=None, n=[0]):  # noqa: B006 - a counter for unique ids
        n[0] += 1
        return Reminder.objects.create(
            kind=Reminder.Kind.CHECK_IN,
            object_id=n[0],
            customer=due_today,
            recipient=user,
            due_on=due,
            state=Reminder.State.DONE if done_on else Reminder.State.PENDING,
            done_at=timezone.make_aware(datetime.datetime.combine(done_on, datetime.time(12)))
            if done_on
            else None,
        )

    reminder(sam, today - 10 * D, done_on=today - 9 * D)
    reminder(sam, today - 20 * D, done_on=today - 10 * D)
    reminder(sam, today - 8 * D)
    reminder(sam, today - D)
    reminder(olive, today - 5 * D, done_on=today - 5 * D)

    # Promises. Sam: kept, broken (open and past due); not yet due and not a promise don't
    # count -> 1 of 2.
    def follow_up(due, promised=True, done_on_time=None):
        FollowUp.objects.create(
            customer=due_today,
            summary="x",
            due_on=due,
            assignee=sam,
            created_by=sam,
            promised=promised,
            done_at=now if done_on_time is not None else None,
            done_on_time=done_on_time,
        )

    follow_up(today - 3 * D, done_on_time=True)
    follow_up(today - 2 * D)
    follow_up(today + 2 * D)
    follow_up(today - D, promised=False)

    # Complaints: urgent unanswered for 2 h (breached), normal 1 h old (on track), high
    # 3.5 h old with 4 h to respond (due soon), and a normal one answered after 2 h and
    # resolved after 20 h (inside both targets).
    angry = CustomerFactory(name="Angry", owner=sam, next_checkin_due=today + 9 * D)
    ComplaintFactory(customer=angry, severity="urgent", opened_at=now - 2 * H, assignee=sam)
    calm = CustomerFactory(name="Calm", owner=olive, next_checkin_due=today + 9 * D)
    ComplaintFactory(customer=calm, severity="normal", opened_at=now - H, assignee=olive)
    ComplaintFactory(customer=calm, severity="high", opened_at=now - 3.5 * H, assignee=sam)
    opened = now - 50 * H
    ComplaintFactory(
        customer=calm,
        severity="normal",
        opened_at=opened,
        status=Complaint.Status.RESOLVED,
        first_response_at=opened + 2 * H,
        resolved_at=opened + 20 * H,
        assignee=olive,
    )

    # Outcomes this week: 2 exceeded, 1 met, 1 fell short among customer-facing kinds; a
    # note that "exceeded" and the four complaints' "not known" do not count
    # -> (2 - 1) / 4 = 25 points.
    sad = CustomerFactory(name="Disappointed", owner=olive, next_checkin_due=today + 9 * D)
    for outcome in ("exceeded", "exceeded", "met"):
        InteractionFactory(customer=due_today, occurred_at=now - H, outcome=outcome)
    InteractionFactory(customer=sad, occurred_at=now - H, outcome="fell_short")
    InteractionFactory(customer=due_today, kind="note", occurred_at=now - H, outcome="exceeded")
    return {"sam": sam, "olive": olive, "angry": angry, "sad": sad}


def _rows(today, start):
    figures = dashboard.complaint_figures(timezone.now(), start)
    rows = dashboard.staff_rows(today, start, figures.open_by_assignee)
    return {row.user.username: row for row in rows}


def test_checkins_due_and_overdue_per_staff_member(book, today):
    rows = _rows(today, today - 30 * D)

    assert (rows["sam"].checkins_due, rows["sam"].checkins_overdue) == (1, 1)
    assert (rows["olive"].checkins_due, rows["olive"].checkins_overdue) == (0, 1)


def test_checkin_adherence(book, today):
    rows = _rows(today, today - 30 * D)

    assert (rows["sam"].checkins_on_time, rows["sam"].checkins_counted) == (1, 3)
    assert rows["sam"].adherence == 33.3
    assert rows["olive"].adherence == 100.0
    assert dashboard.team_totals(list(rows.values())).adherence == 50.0


def test_the_period_limits_adherence(book, today):
    # Only the reminders due in the last 9 days: Sam's open one past grace.
    rows = _rows(today, today - 9 * D)

    assert (rows["sam"].checkins_on_time, rows["sam"].checkins_counted) == (0, 1)


def test_promises_kept_on_time(book, today):
    rows = _rows(today, today - 30 * D)

    assert (rows["sam"].promises_kept_count, rows["sam"].promises_count) == (1, 2)
    assert rows["sam"].promises_kept == 50.0
    assert rows["olive"].promises_kept is None


def test_open_complaints_by_severity_and_target_status(book, now, today):
    figures = dashboard.complaint_figures(now, today - 30 * D)

    assert figures.by_severity == {
        "low": {"on_track": 0, "due_soon": 0, "breached": 0},
        "normal": {"on_track": 1, "due_soon": 0, "breached": 0},
        "high": {"on_track": 0, "due_soon": 1, "breached": 0},
        "urgent": {"on_track": 0, "due_soon": 0, "breached": 1},
    }
    assert _rows(today, today - 30 * D)["sam"].open_complaints == 2


def test_median_response_and_resolution_times(book, now, today):
    figures = dashboard.complaint_figures(now, today - 30 * D)

    assert [h for h in figures.median_response_hours if h is not None] == [2.0]
    assert [h for h in figures.median_resolution_hours if h is not None] == [20.0]
    assert figures.response_within_target == 100.0
    assert figures.resolution_within_target == 100.0


def test_case_times_are_weekly_medians_of_the_cases_answered(now, today):
    this_monday = today - today.weekday() * D
    two_weeks_ago, last_week = this_monday - 14 * D, this_monday - 7 * D

    def case(monday, responded=None, resolved=None, respond=4, resolve=48):
        opened_at = start_of_day(monday) + 9 * H
        return ComplaintFactory(
            opened_at=opened_at,
            respond_by=opened_at + respond * H,
            resolve_by=opened_at + resolve * H,
            first_response_at=opened_at + responded * H if responded is not None else None,
            resolved_at=opened_at + resolved * H if resolved is not None else None,
        )

    case(two_weeks_ago, responded=1, resolved=10)
    case(two_weeks_ago, responded=3, resolved=20)
    case(two_weeks_ago, responded=6)  # answered late
    case(last_week, responded=0.5)
    case(last_week)  # not answered yet
    case(this_monday)  # a week with nothing answered is not charted
    case(today - 40 * D, responded=100, resolved=200)  # before the period

    figures = dashboard.complaint_figures(now, today - 30 * D)

    assert figures.weeks == [two_weeks_ago, last_week]
    assert figures.median_response_hours == [3.0, 0.5]
    assert figures.median_resolution_hours == [15.0, None]
    assert figures.response_within_target == 75.0
    assert figures.resolution_within_target == 100.0


def test_perceived_quality_and_interactions_by_kind(book, today):
    figures = dashboard.interaction_figures(today - 30 * D, today)

    assert figures.quality_overall == 25.0
    assert sum(figures.by_kind["call"]) == 4
    assert sum(figures.by_kind["complaint"]) == 4
    assert sum(figures.by_kind["note"]) == 1


def test_customers_at_risk_worst_first(book, now, today):
    risks = at_risk.customers_at_risk(today, now)

    names = [risk.customer.name for risk in risks]
    assert names[:2] == ["Calm", "Angry"]  # Calm has two open complaints, Angry one
    assert names.index("Disappointed") < names.index("Five Late")
    assert "Archived" not in names
    assert "Fine" not in names


@pytest.mark.django_db
def test_at_risk_scores_add_up_as_documented(now, today):
    # 30 an open complaint, 15 a "fell short" in 30 days, a third of the days overdue (at most
    # 90), and how far a loyalty score is under 40.
    all_four = CustomerFactory(name="All four", next_checkin_due=today - 6 * D, loyalty_score=30)
    ComplaintFactory(customer=all_four)
    InteractionFactory(customer=all_four, outcome="fell_short", occurred_at=now - 2 * D)
    InteractionFactory(customer=all_four, outcome="fell_short", occurred_at=now - 31 * D)
    silent = CustomerFactory(name="Silent", next_checkin_due=today - 300 * D, loyalty_score=None)
    CustomerFactory(name="Loyal", next_checkin_due=today + D, loyalty_score=90)

    risks = at_risk.customers_at_risk(today, now)

    assert [
        (r.customer, r.open_complaints, r.fell_short, r.overdue_days, r.loyalty, r.score)
        for r in risks
    ] == [
        (all_four, 1, 1, 6, 30, 30 + 15 + 2 + 10),
        (silent, 0, 0, 300, None, 30),
    ]
    assert risks[0].low_loyalty and not risks[1].low_loyalty


def test_dashboard_is_for_managers_only(client, staff_client, manager_client, book):
    assert client.get("/dashboard/").status_code == 302
    assert staff_client.get("/dashboard/").status_code == 403
    response = manager_client.get("/dashboard/?period=90")
    assert response.status_code == 200
    assert response.context["period"] == 90
    charts = ("chart-staff", "chart-complaints", "chart-times", "chart-quality", "chart-nps")
    for chart in (*charts, "chart-kinds"):
        assert f'id="{chart}"' in response.content.decode()


def test_a_nonsense_period_falls_back_to_thirty_days(manager_client, book):
    assert manager_client.get("/dashboard/?period=abc").context["period"] == 30
    assert manager_client.get("/dashboard/?period=7").context["period"] == 30


@pytest.mark.parametrize("extra", [0, 40])
@pytest.mark.parametrize("scored", [False, True])
def test_dashboard_query_count_is_pinned(
    manager_client, book, django_assert_num_queries, extra, scored
):
    for _ in range(extra):
        customer = CustomerFactory(owner=book["sam"])
        InteractionFactory(customer=customer, outcome="fell_short")
        ComplaintFactory(customer=customer, assignee=book["olive"])
    if scored:
        manager_client.get("/dashboard/")  # the at-risk scores are kept a few minutes
    # session, user with the manager check, open complaints counted, complaints opened in the
    # period, days counted through, summarised days, live days, staff with their counts, net
    # promoter score, recovery rate, the at-risk candidates scored (unless kept), the worst of
    # them loaded, failed reminders, unmet wants, emails that did not go; the insight tables
    # (rising themes, causes, segment gaps)
    with django_assert_num_queries(17 if scored else 18):
        response = manager_client.get("/dashboard/")
    assert len(response.context["at_risk"]) == min(5 + extra, at_risk.AT_RISK_LIMIT)


def test_staff_member_page(manager_client, staff_client, book, today):
    sam = book["sam"]

    response = manager_client.get(f"/dashboard/staff/{sam.pk}/")

    assert response.status_code == 200
    assert response.context["row"].checkins_overdue == 1
    assert response.context["portfolio_count"] == 4
    assert staff_client.get(f"/dashboard/staff/{sam.pk}/").status_code == 403
    assert manager_client.get("/dashboard/staff/999999/").status_code == 404


def test_failed_reminders_show_with_their_error(manager_client, book):
    Reminder.objects.create(
        kind=Reminder.Kind.CHECK_IN,
        object_id=book["sad"].pk,
        customer=book["sad"],
        recipient=book["olive"],
        due_on=timezone.localdate(),
        state=Reminder.State.FAILED,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )

    content = manager_client.get("/dashboard/").content.decode()

    assert "SMTPServerDisconnected: Connection unexpectedly closed" in content
    assert "Retry" in content


def test_quality_is_the_same_read_from_the_daily_summary(book, today):
    """Older days come from InteractionDayCount; the figures must not change when they do."""
    from interactions import stats
    from interactions.models import InteractionDayCount

    week_ago = timezone.now() - 6 * D
    for outcome in ("exceeded", "fell_short", "fell_short"):
        InteractionFactory(customer=book["sad"], occurred_at=week_ago, outcome=outcome)
    live_only = dashboard.interaction_figures(today - 30 * D, today)

    assert stats.refresh(today) > 0
    assert InteractionDayCount.objects.filter(day=timezone.localdate(week_ago)).exists()
    assert stats.counted_through() == today - 2 * D
    summarised = dashboard.interaction_figures(today - 30 * D, today)

    # (2 + 1 exceeded - 1 - 2 fell short) / (4 + 3) known outcomes = 0 points
    assert summarised.quality_overall == live_only.quality_overall == 0.0
    assert summarised.by_kind == live_only.by_kind


def test_dashboard_shows_nps_recovery_and_unmet_wants(manager_client, book, now):
    from tests.voice.factories import answered_survey

    # Two days apart: a customer is asked once a day, and within an hour of midnight "a day
    # ago" and "an hour ago" were asked on the same day.
    answered_survey(customer=book["sad"], answered_at=now - 2 * D, recommend=10)
    answered_survey(
        customer=book["sad"],
        answered_at=now - H,
        recommend=3,
        unmet_want="<b>Evening</b> appointments",
    )

    response = manager_client.get("/dashboard/")

    content = response.content.decode()
    # One promoter, one detractor: NPS 0 for the week (or split across two weeks: 100, -100).
    (values,) = response.context["charts"]["nps"]["series"].values()
    assert sorted(values) in ([0.0], [-100.0, 100.0])
    assert "“&lt;b&gt;Evening&lt;/b&gt; appointments”" in content
    assert response.context["recovery"] == {"recovered": 0, "resolved": 1, "rate": 0.0}


H = datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_open_cases_counted_in_the_database_stand_where_each_case_says(now, today):
    # (hours since opened, hours allowed to respond, hours allowed to resolve, responded after)
    cases = [
        (2, 1, 24, None),  # no answer past the response target: breached
        (8, 10, 24, None),  # 80% of the response time gone: due soon
        (3, 4, 24, None),  # exactly 75%: due soon
        (2, 4, 24, None),  # half: on track
        (30, 4, 24, 1),  # answered, past the resolution target: breached
        (19, 4, 24, 1),  # answered, 79% of the resolution time: due soon
        (5, 4, 24, 1),  # answered, on track for resolution
    ]
    made = []
    for number, (age, respond, resolve, responded) in enumerate(cases):
        opened_at = now - age * H
        made.append(
            ComplaintFactory(
                severity=Complaint.Severity.values[number % 4],
                status=Complaint.Status.IN_PROGRESS if responded else Complaint.Status.OPEN,
                opened_at=opened_at,
                respond_by=opened_at + respond * H,
                resolve_by=opened_at + resolve * H,
                first_response_at=opened_at + responded * H if responded else None,
            )
        )
    ComplaintFactory(status=Complaint.Status.RESOLVED, resolved_at=now)  # closed: not counted

    figures = dashboard.complaint_figures(now, today - 30 * D)

    expected = {s: {"on_track": 0, "due_soon": 0, "breached": 0} for s in Complaint.Severity}
    for case in made:
        expected[case.severity][case.target_status(now)] += 1
    assert figures.by_severity == expected
    assert sum(n for counts in expected.values() for n in counts.values()) == 7
    assert [case.target_status(now) for case in made] == [
        "breached",
        "due_soon",
        "due_soon",
        "on_track",
        "breached",
        "due_soon",
        "on_track",
    ]


def test_the_dashboard_links_to_the_emails_that_did_not_go(manager_client, book):
    for state in ("failed", "uncertain", "sent", "queued"):
        OutgoingEmail.objects.create(
            kind="digest", to="sam@example.com", subject="s", body_text="b", state=state
        )

    page = manager_client.get("/dashboard/").content.decode()

    assert '<a id="failed-emails-link" href="/emails/failed/">2 emails did not go</a>' in page
