"""Announcements to the customers they concern: who gets one and who is left out, the wishes
they match, and each email handed to the outbox once, at the rate set, whatever the workers do."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from announcements import audience, selectors, sending, services
from announcements.models import Announcement, Recipient
from core.models import OutgoingEmail
from customers.models import Customer
from interactions.timeline import TimelineFilter, timeline_page
from tests.concurrency import at_once
from tests.factories import CustomerFactory, UserFactory
from tests.outbox import queued, send_queued
from tests.voice.factories import answered_survey

pytestmark = pytest.mark.django_db(transaction=True)
A = Announcement


@pytest.fixture
def manager(db):
    return UserFactory(username="mona", role="Manager", email="mona@ourshop.example")


def draft(manager, **fields):
    fields = {"subject": "Now open on Saturdays", "body": "From **9 to 5**.", **fields}
    return services.announcement_save(A(created_by=manager), **fields)


def consenting(**fields):
    return CustomerFactory(marketing_consent_at=timezone.now(), **fields)


# Who it goes to -------------------------------------------------------------------------------


def test_a_service_notice_leaves_out_each_customer_it_may_not_reach_by_reason(manager):
    CustomerFactory.create_batch(3)
    CustomerFactory(email="")
    CustomerFactory(email_opt_out=True)
    CustomerFactory(email_bouncing_since=timezone.now())
    CustomerFactory(archived_at=timezone.now())  # not in "any live" at all

    figures = audience.counts(audience.chosen(draft(manager)), A.Kind.SERVICE)

    assert figures == {"sent": 3, "no_email": 1, "opted_out": 1, "bouncing": 1}


def test_marketing_goes_only_to_customers_who_agreed(manager):
    agreed = consenting()
    CustomerFactory()  # never asked
    consenting(email_opt_out=True)  # agreed once, then stopped all email

    announcement = draft(manager, kind=A.Kind.MARKETING)
    figures = audience.counts(audience.chosen(announcement), A.Kind.MARKETING)

    assert figures == {"sent": 1, "no_consent": 1, "opted_out": 1}
    assert services.announcement_send(announcement) == 1
    assert list(announcement.recipients.values_list("customer", flat=True)) == [agreed.pk]


def test_the_customer_lists_filters_choose_the_audience(manager):
    new = CustomerFactory(customer_since=timezone.localdate())
    CustomerFactory(customer_since=timezone.localdate() - datetime.timedelta(days=400))

    announcement = draft(manager, audience={"segment": "new"})

    assert list(audience.chosen(announcement).values_list("pk", flat=True)) == [new.pk]


def test_unmet_wants_and_survey_wishes_are_matched_by_stem_and_quoted(manager):
    CustomerFactory(name="Ada", unmet_wants="I wish you were open on Saturdays.")
    bo = CustomerFactory(name="Bo")
    answered_survey(customer=bo, answered_at=timezone.now(), unmet_want="Saturday opening!")
    CustomerFactory(name="Cy", unmet_wants="Cheaper parking")

    announcement = draft(manager, wishes="Saturday opening")
    preview = audience.preview(announcement)

    assert preview["to_send"] == 3
    assert preview["matched_total"] == 2
    assert [(name, wish) for _pk, name, wish in preview["matched"]] == [
        ("Ada", "I wish you were open on Saturdays."),
        ("Bo", "Saturday opening!"),
    ]


def test_only_those_who_asked_when_the_manager_says_so(manager):
    ada = CustomerFactory(unmet_wants="Saturday hours please")
    CustomerFactory(unmet_wants="")

    announcement = draft(manager, wishes="saturday", only_wishers=True)

    assert services.announcement_send(announcement) == 1
    (recipient,) = announcement.recipients.all()
    assert (recipient.customer, recipient.wish) == (ada, "Saturday hours please")


@pytest.mark.parametrize("words", ["", "&", "!!", "'", "or", "a & (b | ", "１２３", "x" * 200])
def test_any_words_give_an_answer_never_an_error(manager, words):
    CustomerFactory(unmet_wants="Saturday hours")

    preview = audience.preview(draft(manager, wishes=words))

    assert preview["to_send"] == 1


# Sending --------------------------------------------------------------------------------------


def test_each_customer_gets_one_email_with_the_body_rendered_safely(manager, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    ada = CustomerFactory(name="Ada <b>", email="ada@example.com")
    announcement = draft(manager, body="**Open** <script>x</script> https://ourshop.example/")

    services.announcement_send(announcement)
    assert sending.announcements_send_due() == 1
    assert sending.announcements_send_due() == 0
    assert send_queued("announcement") == 1

    (email,) = mail.outbox
    assert email.to == ["ada@example.com"] and email.subject == "Now open on Saturdays"
    html = email.alternatives[0][0]
    assert "<strong>Open</strong>" in html and "<script>" not in html
    assert '<a href="https://ourshop.example/"' in html
    assert "Ada &lt;b&gt;" in html
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.reply_to and email.reply_to[0].startswith("reply+")
    announcement.refresh_from_db()
    assert announcement.state == A.State.SENT
    assert Recipient.objects.get().customer == ada


def test_an_announcement_is_sent_once_however_often_it_is_sent(manager):
    CustomerFactory()
    announcement = draft(manager)
    services.announcement_send(announcement)

    with pytest.raises(services.WrongState):
        services.announcement_send(announcement)
    with pytest.raises(services.WrongState):
        services.announcement_save(announcement, subject="Changed after sending")


def test_two_workers_at_once_hand_each_email_to_the_outbox_once(manager, settings):
    settings.ANNOUNCEMENT_RATE_PER_MINUTE = 10_000
    Customer.objects.bulk_create(
        [Customer(name=f"C{n}", email=f"c{n}@example.com") for n in range(1_200)]
    )
    services.announcement_send(draft(manager))
    at_once(sending.announcements_send_due)
    sending.announcements_send_due()  # what a worker that found it locked left

    assert OutgoingEmail.objects.filter(kind="announcement").count() == 1_200
    assert queued("announcement").values("to").distinct().count() == 1_200
    assert not Recipient.objects.filter(state=Recipient.State.PENDING).exists()


def test_a_worker_that_dies_mid_batch_leaves_it_for_the_next(manager, monkeypatch):
    CustomerFactory.create_batch(3)
    announcement = draft(manager)
    services.announcement_send(announcement)

    def dies(emails):
        raise SystemExit("killed")

    with monkeypatch.context() as patch:
        patch.setattr(sending, "emails_queue", dies)
        with pytest.raises(SystemExit):
            sending.announcements_send_due()
    assert not OutgoingEmail.objects.exists()
    assert announcement.recipients.filter(state=Recipient.State.PENDING).count() == 3

    assert sending.announcements_send_due() == 3
    assert OutgoingEmail.objects.count() == 3


def test_no_more_than_the_rate_goes_in_a_minute(manager, settings):
    settings.ANNOUNCEMENT_RATE_PER_MINUTE = 5
    CustomerFactory.create_batch(8)
    services.announcement_send(draft(manager))

    assert sending.announcements_send_due() == 5
    assert sending.announcements_send_due() == 0
    Recipient.objects.update(queued_at=timezone.now() - datetime.timedelta(minutes=2))
    assert sending.announcements_send_due() == 3


def test_a_scheduled_announcement_goes_at_its_time(manager):
    CustomerFactory()
    announcement = draft(manager)
    at = timezone.now() + datetime.timedelta(hours=2)
    services.announcement_send(announcement, at=at)
    assert announcement.state == A.State.SCHEDULED

    assert sending.announcements_send_due() == 0
    assert not OutgoingEmail.objects.exists()
    A.objects.filter(pk=announcement.pk).update(send_at=timezone.now())  # its time has come
    assert sending.announcements_send_due() == 1


def test_pause_resume_and_cancel(manager, settings):
    settings.ANNOUNCEMENT_RATE_PER_MINUTE = 2
    CustomerFactory.create_batch(5)
    announcement = draft(manager)
    services.announcement_send(announcement)
    assert sending.announcements_send_due() == 2

    services.announcement_pause(announcement)
    Recipient.objects.update(queued_at=timezone.now() - datetime.timedelta(minutes=2))
    assert sending.announcements_send_due() == 0
    services.announcement_resume(announcement)
    assert sending.announcements_send_due() == 2
    services.announcement_cancel(announcement)
    Recipient.objects.update(queued_at=timezone.now() - datetime.timedelta(minutes=2))
    assert sending.announcements_send_due() == 0

    assert OutgoingEmail.objects.count() == 4
    assert announcement.recipients.filter(state=Recipient.State.SKIPPED).count() == 1
    with pytest.raises(services.WrongState):
        services.announcement_resume(announcement)


def test_a_customer_who_opts_out_before_their_turn_is_skipped(manager, settings):
    settings.ANNOUNCEMENT_RATE_PER_MINUTE = 1
    first, second = CustomerFactory(), CustomerFactory()
    services.announcement_send(draft(manager))
    sending.announcements_send_due()
    Customer.objects.filter(pk=second.pk).update(email_opt_out=True)
    Recipient.objects.update(queued_at=timezone.now() - datetime.timedelta(minutes=2))

    assert sending.announcements_send_due() == 0
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == [first.email]
    assert Recipient.objects.get(customer=second).state == Recipient.State.SKIPPED


# On the timeline ------------------------------------------------------------------------------


def test_the_timeline_shows_it_and_the_check_in_clock_is_not_restarted(manager):
    ada = CustomerFactory(unmet_wants="Saturday opening")
    due = ada.next_checkin_due
    announcement = draft(manager, wishes="Saturday")
    services.announcement_send(announcement)
    sending.announcements_send_due()

    (entry,) = timeline_page(ada.pk, TimelineFilter(), 1).object_list
    assert entry.type == "announcement"
    assert "Now open on Saturdays" in entry.object.timeline_summary
    assert "Saturday opening" in entry.object.timeline_summary
    ada.refresh_from_db()
    assert (ada.next_checkin_due, ada.last_contact_at) == (due, None)

    assert services.wishes_mark_met(announcement) == 1
    assert services.wishes_mark_met(announcement) == 0
    (entry,) = timeline_page(ada.pk, TimelineFilter(), 1).object_list
    assert "marked as met" in entry.object.timeline_summary


def test_one_click_unsubscribe_stops_news_for_that_customer_only(manager, settings):
    settings.SITE_URL = "http://testserver"
    ada, bo = consenting(email="ada@example.com"), consenting(email="bo@example.com")
    announcement = draft(manager, kind=A.Kind.MARKETING)
    services.announcement_send(announcement)
    sending.announcements_send_due()
    send_queued("announcement")
    (to_ada,) = [email for email in mail.outbox if email.to == ["ada@example.com"]]
    link = to_ada.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")

    # As a mail client does it: no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    ada.refresh_from_db()
    bo.refresh_from_db()
    assert ada.marketing_consent_at is None and not ada.email_opt_out  # service email still goes
    assert bo.marketing_consent_at is not None
    announcement.refresh_from_db()
    assert selectors.results(announcement)["unsubscribed"] == 1
