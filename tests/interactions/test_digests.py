"""The daily digest: which day it is for, who gets one, what it lists, and that it goes once."""

import datetime
import smtplib
import socket
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from interactions.digests import (
    digest_day,
    digest_failed,
    digest_send,
    digests_send,
    in_batches,
    schedule_digests,
)
from interactions.models import Digest, Reminder
from tests.factories import UserFactory
from tests.real_services import Inbox, smtp_server

from .reminder_factories import ReminderFactory, days_from_today, due_customer

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
S = Reminder.State


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def any_hour(settings):
    """Digests may go out at any hour today, so these tests do not depend on the clock."""
    settings.DIGEST_HOUR = 0


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", email="sam@example.com")


def _reminder(recipient, name, due_in_days=0, **fields):
    due_on = days_from_today(due_in_days)
    return ReminderFactory(customer=due_customer(recipient, name, due_on), due_on=due_on, **fields)


# The day a digest is for ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Los Angeles is UTC-8 in January.
        (datetime.datetime(2026, 1, 2, 3, 0, tzinfo=UTC), datetime.date(2026, 1, 1)),  # 19:00
        (datetime.datetime(2026, 1, 2, 7, 59, tzinfo=UTC), datetime.date(2026, 1, 1)),  # 23:59
        (datetime.datetime(2026, 1, 2, 8, 0, tzinfo=UTC), None),  # midnight: a new day, too early
        (datetime.datetime(2026, 1, 2, 15, 59, tzinfo=UTC), None),  # 07:59
        (datetime.datetime(2026, 1, 2, 16, 0, tzinfo=UTC), datetime.date(2026, 1, 2)),  # 08:00
        # Summer time (UTC-7): 08:00 local is 15:00 UTC.
        (datetime.datetime(2026, 7, 2, 14, 59, tzinfo=UTC), None),
        (datetime.datetime(2026, 7, 2, 15, 0, tzinfo=UTC), datetime.date(2026, 7, 2)),
    ],
)
def test_digest_day_in_los_angeles(settings, now, day):
    settings.TIME_ZONE = "America/Los_Angeles"
    settings.DIGEST_HOUR = 8

    assert digest_day(now) == day


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Auckland is UTC+13 in January: its 2 January starts at 11:00 UTC on the 1st.
        (datetime.datetime(2026, 1, 1, 10, 59, tzinfo=UTC), datetime.date(2026, 1, 1)),  # 23:59
        (datetime.datetime(2026, 1, 1, 11, 0, tzinfo=UTC), None),  # 00:00 on the 2nd
        (datetime.datetime(2026, 1, 1, 18, 59, tzinfo=UTC), None),  # 07:59
        (datetime.datetime(2026, 1, 1, 19, 0, tzinfo=UTC), datetime.date(2026, 1, 2)),  # 08:00
        (datetime.datetime(2026, 1, 2, 3, 0, tzinfo=UTC), datetime.date(2026, 1, 2)),  # 16:00
    ],
)
def test_digest_day_in_auckland_ahead_of_utc(settings, now, day):
    settings.TIME_ZONE = "Pacific/Auckland"
    settings.DIGEST_HOUR = 8

    assert digest_day(now) == day


def test_nothing_is_scheduled_before_the_digest_hour(settings, sam):
    settings.TIME_ZONE = "America/Los_Angeles"
    settings.DIGEST_HOUR = 8
    _reminder(sam, "Ada Lovelace", due_in_days=-30)

    assert schedule_digests(datetime.datetime(2026, 1, 2, 15, 59, tzinfo=UTC)) == []
    assert not Digest.objects.exists()


# Who gets one ---------------------------------------------------------------------------------


def test_one_digest_per_person_with_something_due_and_none_for_the_others(any_hour, sam):
    olive = UserFactory(username="olive", email="olive@example.com")
    tom = UserFactory(username="tom", email="tom@example.com")
    dora = UserFactory(username="dora", email="dora@example.com")
    sid = UserFactory(username="sid", email="sid@example.com")
    _reminder(sam, "Ada Lovelace", due_in_days=-3)
    _reminder(sam, "Grace Hopper")
    _reminder(olive, "Alan Turing")
    _reminder(tom, "Tim Tomorrow", due_in_days=1)
    _reminder(dora, "Dan Done", state=S.DONE)
    _reminder(dora, "Dee Dismissed", state=S.DISMISSED, dismissed_reason="Moved away")
    _reminder(sid, "Sue Snoozed", state=S.SNOOZED, snoozed_until=days_from_today(1))
    _reminder(sid, "Sal Sent", due_in_days=-1, state=S.SENT)

    ids = schedule_digests()

    digests = Digest.objects.filter(pk__in=ids)
    assert sorted(d.recipient.username for d in digests) == ["olive", "sam"]
    assert {d.day for d in digests} == {timezone.localdate()}
    assert {d.state for d in digests} == {Digest.State.PENDING}


def test_scheduling_again_the_same_day_creates_none(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    first = schedule_digests()
    _reminder(sam, "Grace Hopper")

    assert schedule_digests() == first
    assert Digest.objects.count() == 1

    digest_send(first[0])
    assert schedule_digests() == []
    assert Digest.objects.count() == 1


def test_a_reminder_back_from_a_snooze_brings_a_digest(any_hour, sam):
    back = _reminder(
        sam, "Ada Lovelace", due_in_days=-5, state=S.SNOOZED, snoozed_until=days_from_today(0)
    )

    (digest_id,) = schedule_digests()
    assert digest_send(digest_id) is True

    assert "Ada Lovelace" in mail.outbox[0].body
    back.refresh_from_db()
    assert back.state == S.SENT


def test_reminders_whose_email_failed_are_sent_in_the_next_digest(any_hour, sam):
    failed = _reminder(
        sam, "Ada Lovelace", due_in_days=-1, state=S.FAILED, last_error="SMTPServerDisconnected"
    )

    (digest_id,) = schedule_digests()
    digest_send(digest_id)

    assert "Ada Lovelace" in mail.outbox[0].body
    failed.refresh_from_db()
    assert (failed.state, failed.last_error) == (S.SENT, "")


# What it lists --------------------------------------------------------------------------------


def test_the_digest_lists_exactly_what_is_due_and_overdue_with_links(any_hour, sam):
    overdue = _reminder(sam, "Ada Lovelace", due_in_days=-3)
    today = _reminder(sam, "Grace Hopper", due_in_days=0)
    snooze_over = _reminder(
        sam, "Hedy Lamarr", due_in_days=-2, state=S.SNOOZED, snoozed_until=days_from_today(0)
    )
    _reminder(sam, "Tim Tomorrow", due_in_days=1)
    _reminder(sam, "Sue Snoozed", due_in_days=-2, state=S.SNOOZED, snoozed_until=days_from_today(1))
    _reminder(sam, "Dan Done", due_in_days=-1, state=S.DONE)
    _reminder(sam, "Dee Dismissed", due_in_days=-1, state=S.DISMISSED)
    _reminder(UserFactory(), "Olga Others")

    schedule_digests()
    assert digest_send(Digest.objects.get(recipient=sam).pk) is True

    (message,) = mail.outbox
    assert message.to == ["sam@example.com"]
    assert message.subject == "Rapport: 3 things to do today"
    text = message.body
    assert text.startswith("Hello Sam,\n")
    overdue_part, today_part = text.split("\nDue today\n")
    assert "\nOverdue\n" in overdue_part
    for reminder in (overdue, snooze_over):
        link = f"http://127.0.0.1:8000/customers/{reminder.customer_id}/"
        assert f"- Check-in due: {reminder.customer.name}, due " in overdue_part
        assert link in overdue_part
    grace_link = f"http://127.0.0.1:8000/customers/{today.customer_id}/"
    assert f"- Check-in due: Grace Hopper\n  {grace_link}\n" in today_part
    assert "Grace Hopper" not in overdue_part
    assert "http://127.0.0.1:8000/reminders/" in today_part
    for absent in ("Tim Tomorrow", "Sue Snoozed", "Dan Done", "Dee Dismissed", "Olga Others"):
        assert absent not in text

    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    for reminder in (overdue, today, snooze_over):
        link = f"http://127.0.0.1:8000/customers/{reminder.customer_id}/"
        assert f'<a href="{link}">{reminder.customer.name}</a>' in html
    assert html.index("Ada Lovelace") < html.index("Due today") < html.index("Grace Hopper")
    for absent in ("Tim Tomorrow", "Sue Snoozed", "Dan Done", "Dee Dismissed", "Olga Others"):
        assert absent not in html


def test_one_thing_due_reads_in_the_singular(any_hour, sam):
    _reminder(sam, "Ada Lovelace")

    digest_send(schedule_digests()[0])

    assert mail.outbox[0].subject == "Rapport: 1 thing to do today"


def test_customer_names_are_escaped_in_the_html(any_hour, sam):
    _reminder(sam, "<b>Bold</b> & Co")

    digest_send(schedule_digests()[0])

    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "<b>Bold</b>" not in html
    assert "<b>Bold</b> & Co" in mail.outbox[0].body


# Sent once ------------------------------------------------------------------------------------


def test_after_sending_the_pending_reminders_are_sent_and_the_digest_is_recorded(any_hour, sam):
    due = [_reminder(sam, "Ada Lovelace", due_in_days=-1), _reminder(sam, "Grace Hopper")]
    done = _reminder(sam, "Dan Done", due_in_days=-1, state=S.DONE)

    (digest_id,) = schedule_digests()
    digest_send(digest_id)

    for reminder in due:
        reminder.refresh_from_db()
        assert reminder.state == S.SENT
        assert reminder.sent_at is not None
        assert reminder.attempts == 1
    done.refresh_from_db()
    assert done.state == S.DONE
    digest = Digest.objects.get()
    assert (digest.state, digest.item_count, digest.attempts) == (Digest.State.SENT, 2, 1)
    assert digest.sent_at is not None


def test_sending_the_same_digest_twice_sends_one_email(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    (digest_id,) = schedule_digests()

    assert digest_send(digest_id) is True
    assert digest_send(digest_id) is False

    assert len(mail.outbox) == 1
    assert Digest.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_one_email(settings):
    settings.DIGEST_HOUR = 0
    sam = UserFactory(username="sam", email="sam@example.com")
    _reminder(sam, "Ada Lovelace")
    (digest_id,) = schedule_digests()
    start, results = threading.Barrier(2), []

    def send():
        try:
            start.wait(timeout=10)
            results.append(digest_send(digest_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert Digest.objects.get().attempts == 1


def test_nothing_is_sent_when_everything_was_done_since_scheduling(any_hour, sam):
    reminder = _reminder(sam, "Ada Lovelace")
    (digest_id,) = schedule_digests()
    Reminder.objects.filter(pk=reminder.pk).update(state=S.DONE)

    assert digest_send(digest_id) is False

    assert mail.outbox == []
    digest = Digest.objects.get()
    assert (digest.state, digest.item_count) == (Digest.State.SENT, 0)


def test_the_command_sends_each_digest_once(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    _reminder(UserFactory(username="olive", email="olive@example.com"), "Alan Turing")
    first, second = StringIO(), StringIO()

    call_command("send_digests", stdout=first)
    call_command("send_digests", stdout=second)

    assert first.getvalue() == "2 digests sent\n"
    assert second.getvalue() == "0 digests sent\n"
    assert sorted(m.to[0] for m in mail.outbox) == ["olive@example.com", "sam@example.com"]


def test_the_command_plans_first_so_what_fell_due_since_is_in_the_digest(any_hour, sam):
    due_customer(sam, "Ada Lovelace", days_from_today(0))  # no reminder planned yet

    call_command("send_digests", stdout=StringIO())

    (message,) = mail.outbox
    assert message.to == ["sam@example.com"]
    assert "Ada Lovelace" in message.body
    assert Reminder.objects.get().state == S.SENT


# A send that fails ----------------------------------------------------------------------------


@pytest.fixture
def smtp_down(settings):
    """SMTP pointed at a port nobody listens on: every send is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def test_a_failed_send_releases_the_digest_for_the_retry(any_hour, sam, smtp_down):
    reminder = _reminder(sam, "Ada Lovelace")
    (digest_id,) = schedule_digests()

    with pytest.raises(ConnectionRefusedError):
        digest_send(digest_id)

    digest = Digest.objects.get()
    assert digest.state == Digest.State.PENDING
    assert digest.attempts == 1
    assert digest.last_error.startswith("ConnectionRefusedError")
    reminder.refresh_from_db()
    assert reminder.state == S.PENDING


def test_after_the_last_retry_the_digest_and_its_reminders_are_failed(any_hour, sam, smtp_down):
    reminders = [_reminder(sam, "Ada Lovelace", due_in_days=-1), _reminder(sam, "Grace Hopper")]
    later = _reminder(sam, "Tim Tomorrow", due_in_days=1)
    (digest_id,) = schedule_digests()
    with pytest.raises(ConnectionRefusedError) as refused:
        digest_send(digest_id)

    digest_failed(digest_id, refused.value)

    digest = Digest.objects.get()
    assert digest.state == Digest.State.FAILED
    assert "Connection refused" in digest.last_error
    for reminder in reminders:
        reminder.refresh_from_db()
        assert reminder.state == S.FAILED
        assert reminder.last_error == digest.last_error
    later.refresh_from_db()
    assert later.state == S.PENDING
    # A failed digest is not picked up again the same day.
    assert schedule_digests() == []


class RefusesOlive(Inbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if "olive@example.com" in envelope.rcpt_tos:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_send_that_fails_holds_up_no_one_else_and_sending_again_retries_only_it(
    any_hour, settings, sam
):
    people = [sam, UserFactory(username="olive", email="olive@example.com")]
    people.append(UserFactory(username="tim", email="tim@example.com"))
    for person in people:
        _reminder(person, f"Customer of {person.username}")
    schedule_digests()
    batch = [Digest.objects.get(recipient=person).pk for person in people]

    with (
        smtp_server(settings, RefusesOlive()) as refusing,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        digests_send(batch)

    assert "Try again later" in str(refused.value)
    assert [e.rcpt_tos for e in refusing.envelopes] == [["sam@example.com"], ["tim@example.com"]]
    states = dict(Digest.objects.values_list("recipient__username", "state"))
    assert states == {"sam": "sent", "olive": "pending", "tim": "sent"}
    olive = Digest.objects.get(recipient__username="olive")
    assert olive.last_error.startswith("SMTPDataError")

    with smtp_server(settings, Inbox()) as inbox:
        assert digests_send(batch) == 1

    assert [e.rcpt_tos for e in inbox.envelopes] == [["olive@example.com"]]
    assert set(Digest.objects.values_list("state", flat=True)) == {"sent"}


def test_a_batch_goes_over_one_connection(any_hour, settings, sam):
    for person in [sam, UserFactory(username="olive", email="olive@example.com")]:
        _reminder(person, f"Customer of {person.username}")

    with smtp_server(settings, Inbox()) as inbox:
        assert digests_send(schedule_digests()) == 2

    assert len(inbox.envelopes) == 2
    assert len(set(inbox.connections)) == 1


def test_digests_are_batched_in_order_without_loss():
    ids = list(range(1, 123))
    batches = in_batches(ids)
    assert [len(batch) for batch in batches] == [50, 50, 22]
    assert [pk for batch in batches for pk in batch] == ids
    assert in_batches([]) == []


def test_the_command_reports_a_digest_it_could_not_send(any_hour, sam, smtp_down):
    _reminder(sam, "Ada Lovelace")
    out, err = StringIO(), StringIO()

    call_command("send_digests", stdout=out, stderr=err)

    assert out.getvalue() == "0 digests sent, 1 failed\n"
    assert "not sent, will be retried" in err.getvalue()
    assert Digest.objects.get().state == Digest.State.PENDING


def test_a_digest_abandoned_mid_send_is_marked_failed_never_sent_twice(db):
    """A worker killed while sending leaves the digest claimed: after the claim is far older
    than any task may run, the next scheduling marks it failed for a manager to retry."""
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from interactions.digests import ABANDONED_ERROR, digest_send, schedule_digests
    from interactions.models import Digest, Reminder
    from tests.factories import UserFactory

    from .reminder_factories import ReminderFactory

    user = UserFactory(username="dana")
    reminder = ReminderFactory(recipient=user, due_on=timezone.localdate())
    (digest_id,) = schedule_digests()
    Digest.objects.filter(pk=digest_id).update(
        state=Digest.State.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=20)
    )

    schedule_digests()

    digest = Digest.objects.get(pk=digest_id)
    reminder.refresh_from_db()
    assert digest.state == Digest.State.FAILED
    assert ABANDONED_ERROR in digest.last_error
    assert reminder.state == Reminder.State.FAILED
    assert digest_send(digest_id) is False
    assert mail.outbox == []


def test_a_digest_being_sent_right_now_is_left_alone(db):
    from django.utils import timezone

    from interactions.digests import schedule_digests
    from interactions.models import Digest
    from tests.factories import UserFactory

    from .reminder_factories import ReminderFactory

    ReminderFactory(recipient=UserFactory(username="eli"), due_on=timezone.localdate())
    (digest_id,) = schedule_digests()
    Digest.objects.filter(pk=digest_id).update(
        state=Digest.State.SENDING, claimed_at=timezone.now()
    )

    schedule_digests()

    assert Digest.objects.get(pk=digest_id).state == Digest.State.SENDING
