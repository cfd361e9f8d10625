"""The daily digest: which day it is for, who gets one, what it lists, and that it goes once,
through the outbox."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.models import OutgoingEmail
from core.outbox.delivery import ABANDONED_ERROR, BATCH, emails_due, emails_send, in_batches
from interactions.digests import digest_day, reminder_retry, schedule_digests
from interactions.models import Digest, Reminder
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.outbox import queued, send_queued, worker_dies_sending
from tests.real_services import Inbox, free_port, private_queue, smtp_server, use_smtp

from .reminder_factories import ComplaintFactory, ReminderFactory, days_from_today, due_customer

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
S = Reminder.State
E = OutgoingEmail.State


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


def _email_of(digest):
    return OutgoingEmail.objects.get(kind="digest", about_id=digest.pk)


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

    assert schedule_digests(datetime.datetime(2026, 1, 2, 15, 59, tzinfo=UTC)) == 0
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

    assert schedule_digests() == 2

    digests = Digest.objects.all()
    assert sorted(d.recipient.username for d in digests) == ["olive", "sam"]
    assert {d.day for d in digests} == {timezone.localdate()}
    assert {d.state for d in digests} == {Digest.State.SENDING}
    assert sorted(queued("digest").values_list("to", "person__username")) == [
        ("olive@example.com", "olive"),
        ("sam@example.com", "sam"),
    ]


def test_scheduling_again_the_same_day_queues_none(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    assert schedule_digests() == 1
    _reminder(sam, "Grace Hopper")

    assert schedule_digests() == 0
    assert Digest.objects.count() == 1

    assert send_queued() == 1
    assert schedule_digests() == 0
    assert Digest.objects.count() == 1
    assert OutgoingEmail.objects.count() == 1


def test_a_digest_left_pending_is_queued_by_the_next_run(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    # As a scheduler that stopped between creating the row and queueing its email leaves it.
    Digest.objects.create(recipient=sam, day=timezone.localdate())

    assert schedule_digests() == 1
    assert send_queued() == 1

    assert "Ada Lovelace" in mail.outbox[0].body
    assert Digest.objects.get().state == Digest.State.SENT


def test_a_reminder_back_from_a_snooze_brings_a_digest(any_hour, sam):
    back = _reminder(
        sam, "Ada Lovelace", due_in_days=-5, state=S.SNOOZED, snoozed_until=days_from_today(0)
    )

    assert schedule_digests() == 1
    assert send_queued() == 1

    assert "Ada Lovelace" in mail.outbox[0].body
    back.refresh_from_db()
    assert back.state == S.SENT


def test_reminders_whose_email_failed_are_sent_in_the_next_digest(any_hour, sam):
    failed = _reminder(
        sam, "Ada Lovelace", due_in_days=-1, state=S.FAILED, last_error="SMTPServerDisconnected"
    )

    schedule_digests()
    send_queued()

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
    assert emails_send([_email_of(Digest.objects.get(recipient=sam)).pk]) == 1

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
    digest = Digest.objects.get(recipient=sam)
    assert sorted(digest.reminder_ids) == sorted(r.pk for r in (overdue, today, snooze_over))


def test_one_thing_due_reads_in_the_singular(any_hour, sam):
    _reminder(sam, "Ada Lovelace")

    schedule_digests()
    send_queued()

    assert mail.outbox[0].subject == "Rapport: 1 thing to do today"


def test_two_customers_of_one_name_are_told_apart_and_a_case_links_to_the_case(any_hour, sam):
    first = _reminder(sam, "Ada Lovelace", due_in_days=-1)
    first.customer.company = "Analytical Engines"
    first.customer.save()
    second = _reminder(sam, "ada lovelace")
    second.customer.email = "ada@second.example"
    second.customer.company = ""
    second.customer.save()
    _reminder(sam, "Grace Hopper")
    complaint = ComplaintFactory(customer=first.customer, assignee=sam)
    ReminderFactory(
        kind=Reminder.Kind.COMPLAINT_TARGET,
        detail="respond",
        object_id=complaint.pk,
        customer=first.customer,
        recipient=sam,
        due_on=days_from_today(0),
    )

    schedule_digests()
    send_queued()

    text, html = mail.outbox[0].body, mail.outbox[0].alternatives[0][0]
    assert "Ada Lovelace (Analytical Engines)" in text
    assert "ada lovelace (ada@second.example)" in text
    assert "Grace Hopper\n" in text  # a name of its own needs nothing beside it
    assert f"http://127.0.0.1:8000/complaints/{complaint.pk}/" in text
    assert f'href="http://127.0.0.1:8000/complaints/{complaint.pk}/"' in html


def test_customer_names_are_escaped_in_the_html(any_hour, sam):
    _reminder(sam, "<b>Bold</b> & Co")

    schedule_digests()
    send_queued()

    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "<b>Bold</b>" not in html
    assert "<b>Bold</b> & Co" in mail.outbox[0].body


# Sent once ------------------------------------------------------------------------------------


def test_after_sending_the_pending_reminders_are_sent_and_the_digest_is_recorded(any_hour, sam):
    due = [_reminder(sam, "Ada Lovelace", due_in_days=-1), _reminder(sam, "Grace Hopper")]
    done = _reminder(sam, "Dan Done", due_in_days=-1, state=S.DONE)

    schedule_digests()
    send_queued()

    for reminder in due:
        reminder.refresh_from_db()
        assert reminder.state == S.SENT
        assert reminder.sent_at is not None
        assert reminder.attempts == 1
    done.refresh_from_db()
    assert done.state == S.DONE
    digest = Digest.objects.get()
    assert (digest.state, digest.item_count, digest.attempts) == (Digest.State.SENT, 2, 1)
    email = _email_of(digest)
    assert email.sent_at is not None
    assert digest.sent_at == email.sent_at


def test_sending_the_same_digest_twice_sends_one_email(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    schedule_digests()
    email = _email_of(Digest.objects.get())

    assert emails_send([email.pk]) == 1
    assert emails_send([email.pk]) == 0

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == (E.SENT, 1)
    assert Digest.objects.get().attempts == 1
    assert Reminder.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_queue_one_email(settings, monkeypatch):
    settings.DIGEST_HOUR = 0
    sam = UserFactory(username="sam", email="sam@example.com")
    _reminder(sam, "Ada Lovelace")
    with private_queue(monkeypatch):  # where the tasks enqueued on commit wait, unrun
        results = at_once(schedule_digests)

    assert sorted(results) == [0, 1]
    assert OutgoingEmail.objects.filter(kind="digest").count() == 1
    assert Digest.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_one_email(settings, monkeypatch):
    settings.DIGEST_HOUR = 0
    sam = UserFactory(username="sam", email="sam@example.com")
    _reminder(sam, "Ada Lovelace")
    with private_queue(monkeypatch):  # where the task enqueued on commit waits, unrun
        assert schedule_digests() == 1
        email = _email_of(Digest.objects.get())
        results = at_once(lambda: emails_send([email.pk]))

    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == (E.SENT, 1)
    digest = Digest.objects.get()
    assert (digest.state, digest.attempts) == (Digest.State.SENT, 1)
    assert Reminder.objects.get().state == S.SENT


def test_nothing_is_sent_when_everything_was_done_before_it_was_queued(any_hour, sam):
    reminder = _reminder(sam, "Ada Lovelace")
    Digest.objects.create(recipient=sam, day=timezone.localdate())  # left pending, as above
    Reminder.objects.filter(pk=reminder.pk).update(state=S.DONE)

    assert schedule_digests() == 0

    assert not OutgoingEmail.objects.exists()
    digest = Digest.objects.get()
    assert (digest.state, digest.item_count) == (Digest.State.SENT, 0)


def test_someone_without_an_email_address_gets_no_digest(any_hour):
    nobody = UserFactory(username="nobody", email="")
    reminder = _reminder(nobody, "Ada Lovelace")

    assert schedule_digests() == 0

    assert not OutgoingEmail.objects.exists()
    digest = Digest.objects.get()
    assert (digest.state, digest.item_count) == (Digest.State.SENT, 0)
    reminder.refresh_from_db()
    assert reminder.state == S.PENDING  # still on their My day


def test_the_command_sends_each_digest_once(any_hour, sam):
    _reminder(sam, "Ada Lovelace")
    _reminder(UserFactory(username="olive", email="olive@example.com"), "Alan Turing")
    first, second = StringIO(), StringIO()

    call_command("send_digests", stdout=first)
    call_command("send_digests", stdout=second)

    assert first.getvalue() == "2 digests queued, 2 emails sent\n"
    assert second.getvalue() == "0 digests queued, 0 emails sent\n"
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
    use_smtp(settings, free_port())


def test_a_failed_send_leaves_the_digest_in_the_outbox_for_the_retry(
    any_hour, sam, smtp_down, settings
):
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    reminder = _reminder(sam, "Ada Lovelace")
    schedule_digests()
    before = timezone.now()

    assert send_queued() == 0

    (email,) = OutgoingEmail.objects.all()
    assert (email.state, email.attempts) == (E.QUEUED, 1)
    assert email.last_error.startswith("ConnectionRefusedError")
    assert email.send_after >= before + datetime.timedelta(seconds=30)
    digest = Digest.objects.get()
    assert (digest.state, digest.last_error) == (Digest.State.SENDING, "")
    reminder.refresh_from_db()
    assert reminder.state == S.PENDING


def test_after_the_last_retry_the_digest_and_its_reminders_are_failed(
    any_hour, sam, smtp_down, settings
):
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    reminders = [_reminder(sam, "Ada Lovelace", due_in_days=-1), _reminder(sam, "Grace Hopper")]
    later = _reminder(sam, "Tim Tomorrow", due_in_days=1)
    schedule_digests()

    for _ in range(2 + 1):
        assert send_queued() == 0
    assert not queued().exists()

    (email,) = OutgoingEmail.objects.all()
    assert (email.state, email.attempts) == (E.FAILED, 3)
    digest = Digest.objects.get()
    assert digest.state == Digest.State.FAILED
    assert digest.last_error == email.last_error
    assert "Connection refused" in digest.last_error
    for reminder in reminders:
        reminder.refresh_from_db()
        assert reminder.state == S.FAILED
        assert reminder.last_error == digest.last_error
        assert reminder.attempts == 1
    later.refresh_from_db()
    assert later.state == S.PENDING
    # A failed digest is not picked up again the same day.
    assert schedule_digests() == 0


def test_a_failed_reminder_retried_goes_out_once_in_a_new_email(any_hour, sam, smtp_down, settings):
    settings.EMAIL_MAX_RETRIES = 0
    reminder = _reminder(sam, "Ada Lovelace")
    schedule_digests()
    send_queued()
    reminder.refresh_from_db()
    assert reminder.state == S.FAILED

    with smtp_server(settings, Inbox()) as inbox:
        reminder_retry(reminder)
        reminder_retry(reminder)  # clicked twice
        assert send_queued() == 1

    (message,) = inbox.messages_to("sam@example.com")
    assert "Ada Lovelace" in message.get_body(("plain",)).get_content()
    reminder.refresh_from_db()
    assert (reminder.state, reminder.last_error) == (S.SENT, "")
    assert list(OutgoingEmail.objects.order_by("pk").values_list("state", flat=True)) == [
        E.FAILED,
        E.SENT,
    ]
    assert Digest.objects.get().state == Digest.State.SENT


class RefusesOlive(Inbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if "olive@example.com" in envelope.rcpt_tos:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_send_that_fails_holds_up_no_one_else_and_sending_again_retries_only_it(
    any_hour, settings, sam
):
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    people = [sam, UserFactory(username="olive", email="olive@example.com")]
    people.append(UserFactory(username="tim", email="tim@example.com"))
    for person in people:
        _reminder(person, f"Customer of {person.username}")
    assert schedule_digests() == 3
    batch = [_email_of(Digest.objects.get(recipient=person)).pk for person in people]

    with smtp_server(settings, RefusesOlive()) as refusing:
        assert emails_send(batch) == 2

    assert [e.rcpt_tos for e in refusing.envelopes] == [["sam@example.com"], ["tim@example.com"]]
    states = dict(Digest.objects.values_list("recipient__username", "state"))
    assert states == {"sam": "sent", "olive": "sending", "tim": "sent"}
    olive = OutgoingEmail.objects.get(to="olive@example.com")
    assert olive.state == E.QUEUED
    assert olive.last_error.startswith("SMTPDataError")
    assert "Try again later" in olive.last_error

    with smtp_server(settings, Inbox()) as inbox:
        assert emails_send(batch) == 1

    assert [e.rcpt_tos for e in inbox.envelopes] == [["olive@example.com"]]
    assert set(Digest.objects.values_list("state", flat=True)) == {"sent"}
    assert set(Reminder.objects.values_list("state", flat=True)) == {S.SENT}


def test_a_batch_goes_over_one_connection(any_hour, settings, sam):
    for person in [sam, UserFactory(username="olive", email="olive@example.com")]:
        _reminder(person, f"Customer of {person.username}")

    with smtp_server(settings, Inbox()) as inbox:
        schedule_digests()
        assert send_queued() == 2

    assert len(inbox.envelopes) == 2
    assert len(set(inbox.connections)) == 1


def test_emails_are_batched_in_order_without_loss():
    ids = list(range(1, 2 * BATCH + 23))
    batches = in_batches(ids)
    assert [len(batch) for batch in batches] == [BATCH, BATCH, 22]
    assert [pk for batch in batches for pk in batch] == ids
    assert in_batches([]) == []


def test_the_command_leaves_a_digest_it_could_not_send_in_the_outbox(any_hour, sam, smtp_down):
    _reminder(sam, "Ada Lovelace")
    out, err = StringIO(), StringIO()

    call_command("send_digests", stdout=out, stderr=err)

    assert out.getvalue() == "1 digests queued, 0 emails sent\n"
    assert Digest.objects.get().state == Digest.State.SENDING
    (email,) = queued("digest")
    assert email.last_error.startswith("ConnectionRefusedError")


# A worker that died mid-send ------------------------------------------------------------------


def test_a_digest_abandoned_mid_send_is_marked_failed_never_sent_twice(
    any_hour, sam, settings, monkeypatch
):
    """A worker killed while sending leaves its email claimed: once the claim is older than
    any task may run, beat's sweep marks it uncertain, and the digest failed for a manager."""
    reminder = _reminder(sam, "Ada Lovelace")
    schedule_digests()
    worker_dies_sending(monkeypatch)
    later = timezone.now() + datetime.timedelta(seconds=settings.EMAIL_ABANDONED_AFTER_SECONDS + 1)

    assert emails_due(later) == []

    (email,) = OutgoingEmail.objects.all()
    assert email.state == E.UNCERTAIN
    digest = Digest.objects.get()
    assert digest.state == Digest.State.FAILED
    assert ABANDONED_ERROR in digest.last_error
    reminder.refresh_from_db()
    assert reminder.state == S.FAILED
    assert emails_send([email.pk]) == 0
    assert schedule_digests() == 0
    assert mail.outbox == []


def test_a_digest_being_sent_right_now_is_left_alone(any_hour, sam, monkeypatch):
    _reminder(sam, "Ada Lovelace")
    schedule_digests()
    worker_dies_sending(monkeypatch)

    assert emails_due() == []

    assert OutgoingEmail.objects.get().state == E.SENDING
    assert Digest.objects.get().state == Digest.State.SENDING
