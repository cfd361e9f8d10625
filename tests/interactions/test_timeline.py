"""The profile's timeline: interactions, complaint events and follow-ups, newest first."""

import datetime

import pytest
from django.utils import timezone

from core.dates import start_of_day
from interactions.models import ComplaintEvent, FollowUp, Interaction
from tests.factories import CustomerFactory, UserFactory

from .factories import ComplaintEventFactory, ComplaintFactory
from .factories_timeline import FollowUpFactory, InteractionFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def customer(staff_user):
    return CustomerFactory(name="Ada Lovelace", owner=staff_user)


def _timeline(client, customer, query=""):
    response = client.get(f"/customers/{customer.pk}/{query}")
    assert response.status_code == 200
    return response


def _entries(response):
    return [(e.type, e.object.pk) for e in response.context["timeline"].object_list]


def test_everything_is_merged_newest_first(staff_client, customer, staff_user):
    now = timezone.now()
    call = InteractionFactory(customer=customer, occurred_at=now - 3 * HOUR, summary="The call")
    complaint = ComplaintFactory(
        customer=customer, interaction__occurred_at=now - 5 * HOUR, summary="Late delivery"
    )
    event = ComplaintEventFactory(
        complaint=complaint,
        kind=ComplaintEvent.Kind.STATUS,
        at=now - 2 * HOUR,
        from_status="open",
        to_status="acknowledged",
    )
    follow_up = FollowUpFactory(customer=customer, summary="Ring back about the refund")
    FollowUp.objects.filter(pk=follow_up.pk).update(created_at=now - HOUR)

    response = _timeline(staff_client, customer)

    assert _entries(response) == [
        ("follow_up", follow_up.pk),
        ("complaint_event", event.pk),
        ("interaction", call.pk),
        ("interaction", complaint.interaction_id),
    ]
    content = response.content.decode()
    assert 'class="list-group-item timeline-entry timeline-interaction"' in content
    assert "timeline-complaint-event" in content
    assert "timeline-follow-up" in content
    assert "Status changed from Open to Acknowledged" in content
    assert f'href="/complaints/{complaint.pk}/"' in content
    assert "Ring back about the refund" in content


def test_interaction_entries_show_what_happened(staff_client, customer, staff_user):
    InteractionFactory(
        customer=customer,
        author=staff_user,
        kind=Interaction.Kind.MEETING,
        channel=Interaction.Channel.IN_PERSON,
        initiated_by=Interaction.Initiator.CUSTOMER,
        outcome=Interaction.Outcome.EXCEEDED,
        satisfaction=5,
        summary="Showroom visit",
        details="Loved the new range.\nWants a brochure.",
    )

    content = _timeline(staff_client, customer).content.decode()

    for text in (
        "Meeting",
        "Showroom visit",
        "In person",
        "started by The customer",
        "logged by Sam Staff",
        "Exceeded expectations",
        "Satisfaction 5/5",
        "Loved the new range.\nWants a brochure.",
    ):
        assert text in content, text


def test_filter_by_kind(staff_client, customer):
    call = InteractionFactory(customer=customer, kind=Interaction.Kind.CALL)
    InteractionFactory(customer=customer, kind=Interaction.Kind.EMAIL)
    FollowUpFactory(customer=customer)

    response = _timeline(staff_client, customer, "?kind=call")

    assert _entries(response) == [("interaction", call.pk)]


def test_the_complaint_kind_includes_the_case_events(staff_client, customer):
    complaint = ComplaintFactory(customer=customer)
    event = ComplaintEventFactory(complaint=complaint, at=timezone.now() - HOUR)
    InteractionFactory(customer=customer, kind=Interaction.Kind.CALL)

    response = _timeline(staff_client, customer, "?kind=complaint")

    assert sorted(_entries(response)) == sorted(
        [("complaint_event", event.pk), ("interaction", complaint.interaction_id)]
    )


def test_the_follow_up_kind_includes_the_follow_ups(staff_client, customer):
    logged = InteractionFactory(customer=customer, kind=Interaction.Kind.FOLLOW_UP)
    follow_up = FollowUpFactory(customer=customer)
    InteractionFactory(customer=customer, kind=Interaction.Kind.CALL)

    response = _timeline(staff_client, customer, "?kind=follow_up")

    assert _entries(response) == [("follow_up", follow_up.pk), ("interaction", logged.pk)]


def test_filter_by_author(staff_client, customer, staff_user, other_staff_user):
    mine = InteractionFactory(customer=customer, author=staff_user)
    InteractionFactory(customer=customer, author=other_staff_user)
    my_follow_up = FollowUpFactory(customer=customer, created_by=staff_user)
    FollowUpFactory(customer=customer, created_by=other_staff_user)

    response = _timeline(staff_client, customer, f"?author={staff_user.pk}")

    assert _entries(response) == [("follow_up", my_follow_up.pk), ("interaction", mine.pk)]


def test_filter_by_date_range_includes_both_ends(staff_client, customer):
    today = timezone.localtime()
    days = [InteractionFactory(customer=customer, occurred_at=today - n * DAY) for n in range(6)]
    start, end = timezone.localdate() - 4 * DAY, timezone.localdate() - 2 * DAY

    response = _timeline(staff_client, customer, f"?start={start}&end={end}&kind=call")

    assert _entries(response) == [("interaction", days[n].pk) for n in (2, 3, 4)]


def test_a_date_range_is_of_local_days_for_every_source(staff_client, customer, settings):
    # Twelve or thirteen hours ahead of UTC: a local day begins on the previous UTC date.
    settings.TIME_ZONE = "Pacific/Auckland"
    start, end = datetime.date(2026, 3, 10), datetime.date(2026, 3, 12)
    first = start_of_day(start)
    after = start_of_day(end + DAY)
    second = datetime.timedelta(seconds=1)
    InteractionFactory(customer=customer, occurred_at=first - second)
    opening = InteractionFactory(customer=customer, occurred_at=first)
    closing = FollowUpFactory(customer=customer)
    FollowUp.objects.filter(pk=closing.pk).update(created_at=after - second)
    ComplaintEventFactory(complaint=ComplaintFactory(customer=customer))
    ComplaintEvent.objects.filter(complaint__customer=customer).update(at=after)

    response = _timeline(staff_client, customer, f"?start={start}&end={end}")

    assert _entries(response) == [("follow_up", closing.pk), ("interaction", opening.pk)]


def test_bad_filters_are_named_beside_the_field_and_ignored(staff_client, customer):
    call = InteractionFactory(customer=customer)

    response = _timeline(staff_client, customer, "?kind=telepathy&author=abc&start=2025-02-31")

    errors = response.context["timeline_filter"].errors
    assert errors["kind"] == ["Choose a kind from the list."]
    assert errors["author"] == ["Choose someone from the list."]
    assert errors["start"] == ["Enter a date, e.g. 2025-03-01."]
    assert _entries(response) == [("interaction", call.pk)]
    assert "Choose a kind from the list." in response.content.decode()


def test_an_end_before_the_start_is_refused(staff_client, customer):
    response = _timeline(staff_client, customer, "?start=2025-03-10&end=2025-03-01")

    assert response.context["timeline_filter"].errors["end"] == [
        "Choose an end date on or after the start date."
    ]


def test_a_filter_that_matches_nothing_says_so(staff_client, customer):
    InteractionFactory(customer=customer, kind=Interaction.Kind.CALL)

    content = _timeline(staff_client, customer, "?kind=purchase").content.decode()

    assert "Nothing on the timeline matches these filters." in content


def test_forty_five_entries_make_three_pages_of_twenty(staff_client, customer):
    now = timezone.now()
    made = [
        InteractionFactory(customer=customer, occurred_at=now - (n + 1) * HOUR) for n in range(45)
    ]

    pages = [_timeline(staff_client, customer, f"?page={n}") for n in (1, 2, 3)]

    assert [len(p.context["timeline"].object_list) for p in pages] == [20, 20, 5]
    assert pages[0].context["timeline"].paginator.num_pages == 3
    assert _entries(pages[0])[0] == ("interaction", made[0].pk)
    assert _entries(pages[2])[-1] == ("interaction", made[-1].pk)
    assert "Page 2 of 3" in pages[1].content.decode()


def test_page_links_keep_the_filters(staff_client, customer):
    for _ in range(25):
        InteractionFactory(customer=customer, kind=Interaction.Kind.CALL)

    content = _timeline(staff_client, customer, "?kind=call&page=1").content.decode()

    assert 'href="?kind=call&amp;page=2#timeline"' in content


@pytest.mark.parametrize("page", ["99", "abc", "-1"])
def test_a_nonsense_page_still_shows_a_page(staff_client, customer, page):
    InteractionFactory(customer=customer)

    response = _timeline(staff_client, customer, f"?page={page}")

    assert len(response.context["timeline"].object_list) == 1


def test_user_text_is_escaped(staff_client, customer):
    InteractionFactory(
        customer=customer,
        summary="<script>alert('summary')</script>",
        details="<img src=x onerror=alert(1)>",
    )
    FollowUpFactory(customer=customer, summary="<b>bold promise</b>")

    content = _timeline(staff_client, customer).content.decode()

    assert "<script>alert(" not in content
    assert "&lt;script&gt;alert(&#x27;summary&#x27;)&lt;/script&gt;" in content
    assert "<img src=x" not in content
    assert "<b>bold promise</b>" not in content
    assert "&lt;b&gt;bold promise&lt;/b&gt;" in content


def test_an_empty_timeline_invites_the_first_log(staff_client, customer):
    content = _timeline(staff_client, customer).content.decode()

    assert "Nothing logged yet" in content
    assert f'action="/customers/{customer.pk}/log/"' in content


@pytest.mark.parametrize("count", [25, 90])
def test_a_filtered_timeline_costs_the_same_queries(
    staff_client, staff_user, customer, django_assert_num_queries, count
):
    now = timezone.now()
    authors = [staff_user, *UserFactory.create_batch(3)]
    for n in range(count):
        InteractionFactory(
            customer=customer, author=authors[n % 4], occurred_at=now - (n + 2) * HOUR
        )
    complaint = ComplaintFactory(customer=customer, assignee=staff_user)
    ComplaintEventFactory.create_batch(count // 10, complaint=complaint, actor=staff_user)
    FollowUpFactory.create_batch(count // 10, customer=customer, created_by=staff_user)
    start = (timezone.localdate() - 30 * DAY).isoformat()

    # session, user with the manager check, customer + owner, its tags, the people in the forms;
    # timeline: count, one page of (type, id, time), its interactions, complaint events and
    # follow-ups; the open follow-ups; the complaints; the reminders set aside; the recent moods
    with django_assert_num_queries(14):
        response = staff_client.get(
            f"/customers/{customer.pk}/?author={staff_user.pk}&start={start}&page=1"
        )

    types = {entry.type for entry in response.context["timeline"].object_list}
    assert types == {"interaction", "complaint_event", "follow_up"}
