import datetime

import pytest
from django.utils import timezone

from interactions.models import FollowUp
from tests.factories import CustomerFactory, UserFactory

from .factories_timeline import FollowUpFactory, InteractionFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def customer(staff_user):
    return CustomerFactory(name="Ada Lovelace", owner=staff_user)


@pytest.fixture
def follow_up(customer, staff_user):
    """Sam's own follow-up, due tomorrow."""
    return FollowUpFactory(
        customer=customer,
        assignee=staff_user,
        created_by=staff_user,
        due_on=timezone.localdate() + DAY,
        summary="Send the brochure",
    )


def _new_data(user, **overrides):
    data = {
        "summary": "Call back with the quote",
        "due_on": (timezone.localdate() + 2 * DAY).isoformat(),
        "assignee": str(user.pk),
        "promised": "on",
    }
    data.update(overrides)
    return data


# Creating -------------------------------------------------------------------------------------


def test_staff_adds_a_follow_up_from_the_profile(staff_client, staff_user, customer):
    response = staff_client.post(f"/customers/{customer.pk}/follow-ups/new/", _new_data(staff_user))

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#follow-ups"
    follow_up = FollowUp.objects.get()
    assert follow_up.customer == customer
    assert follow_up.summary == "Call back with the quote"
    assert follow_up.due_on == timezone.localdate() + 2 * DAY
    assert follow_up.assignee == staff_user
    assert follow_up.created_by == staff_user
    assert follow_up.promised is True
    assert follow_up.interaction is None


def test_other_staff_add_one_for_a_colleague_on_any_customer(
    other_staff_client, other_staff_user, staff_user, customer
):
    response = other_staff_client.post(
        f"/customers/{customer.pk}/follow-ups/new/", _new_data(staff_user, promised="")
    )

    follow_up = FollowUp.objects.get()
    assert response.status_code == 302
    assert follow_up.assignee == staff_user
    assert follow_up.created_by == other_staff_user
    assert follow_up.promised is False


def test_manager_adds_one(manager_client, staff_user, customer):
    response = manager_client.post(
        f"/customers/{customer.pk}/follow-ups/new/", _new_data(staff_user)
    )

    assert response.status_code == 302
    assert FollowUp.objects.get().assignee == staff_user


def test_a_follow_up_from_an_interaction_is_tied_to_it(staff_client, staff_user, customer):
    call = InteractionFactory(customer=customer, summary="Wants a quote")

    staff_client.post(
        f"/customers/{customer.pk}/follow-ups/new/",
        _new_data(staff_user, interaction=str(call.pk)),
    )

    assert FollowUp.objects.get().interaction == call


def test_the_profile_offers_a_follow_up_on_each_interaction(staff_client, customer):
    call = InteractionFactory(customer=customer)

    listed = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    chosen = staff_client.get(f"/customers/{customer.pk}/?follow_up_for={call.pk}")

    assert f'href="/customers/{customer.pk}/?follow_up_for={call.pk}#follow-ups"' in listed
    assert f'name="interaction" value="{call.pk}"' in chosen.content.decode()


def test_another_customers_interaction_is_refused(staff_client, staff_user, customer):
    elsewhere = InteractionFactory()

    response = staff_client.post(
        f"/customers/{customer.pk}/follow-ups/new/",
        _new_data(staff_user, interaction=str(elsewhere.pk)),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "That interaction is not one of this customer's."
    ]
    assert FollowUp.objects.count() == 0


def test_bad_input_is_shown_beside_the_field_and_kept(staff_client, staff_user, customer):
    yesterday = (timezone.localdate() - DAY).isoformat()

    response = staff_client.post(
        f"/customers/{customer.pk}/follow-ups/new/",
        _new_data(staff_user, summary="", due_on=yesterday, assignee="999999"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["summary"] == ["Say what needs doing."]
    assert errors["due_on"] == ["Choose today or a later day."]
    assert errors["assignee"] == ["Choose someone from the list."]
    assert f'value="{yesterday}"' in response.content.decode()
    assert FollowUp.objects.count() == 0


def test_a_nonsense_date_is_named(staff_client, staff_user, customer):
    response = staff_client.post(
        f"/customers/{customer.pk}/follow-ups/new/", _new_data(staff_user, due_on="next tuesday")
    )

    assert response.context["form"].errors["due_on"] == ["Enter a date, e.g. 2025-03-18."]


def test_creating_is_post_only(staff_client, customer):
    assert staff_client.get(f"/customers/{customer.pk}/follow-ups/new/").status_code == 405


def test_creating_for_an_unknown_customer_is_404(staff_client, staff_user):
    response = staff_client.post("/customers/999999/follow-ups/new/", _new_data(staff_user))

    assert response.status_code == 404


def test_anonymous_cannot_create(client, staff_user, customer):
    response = client.post(f"/customers/{customer.pk}/follow-ups/new/", _new_data(staff_user))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert FollowUp.objects.count() == 0


# Done -----------------------------------------------------------------------------------------


def test_done_by_the_due_date_is_on_time(staff_client, follow_up):
    response = staff_client.post(f"/follow-ups/{follow_up.pk}/done/", {"next": "/"})

    follow_up.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert follow_up.done_at is not None
    assert follow_up.done_on_time is True


def test_done_after_the_due_date_is_late(staff_client, follow_up):
    FollowUp.objects.filter(pk=follow_up.pk).update(due_on=timezone.localdate() - 3 * DAY)

    response = staff_client.post(f"/follow-ups/{follow_up.pk}/done/", follow=True)

    follow_up.refresh_from_db()
    assert follow_up.done_on_time is False
    assert "Done, but after the due date: Send the brochure." in response.content.decode()


def test_done_twice_is_recorded_once(staff_client, follow_up):
    staff_client.post(f"/follow-ups/{follow_up.pk}/done/")
    follow_up.refresh_from_db()
    first = follow_up.done_at

    response = staff_client.post(f"/follow-ups/{follow_up.pk}/done/", follow=True)

    follow_up.refresh_from_db()
    assert follow_up.done_at == first
    assert FollowUp.history.filter(id=follow_up.pk).count() == 1
    assert "That follow-up was already done." in response.content.decode()


def test_the_creator_may_mark_it_done(other_staff_client, other_staff_user, customer, staff_user):
    follow_up = FollowUpFactory(customer=customer, assignee=staff_user, created_by=other_staff_user)

    other_staff_client.post(f"/follow-ups/{follow_up.pk}/done/")

    follow_up.refresh_from_db()
    assert follow_up.is_done


def test_manager_marks_anyones_done(manager_client, follow_up):
    manager_client.post(f"/follow-ups/{follow_up.pk}/done/")

    follow_up.refresh_from_db()
    assert follow_up.is_done


def test_other_staff_cannot_mark_it_done(other_staff_client, follow_up):
    response = other_staff_client.post(f"/follow-ups/{follow_up.pk}/done/")

    follow_up.refresh_from_db()
    assert response.status_code == 403
    assert follow_up.done_at is None


def test_done_is_post_only_and_unknown_is_404(staff_client, follow_up):
    assert staff_client.get(f"/follow-ups/{follow_up.pk}/done/").status_code == 405
    assert staff_client.post("/follow-ups/999999/done/").status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.done_at is None


def test_anonymous_cannot_mark_done(client, follow_up):
    response = client.post(f"/follow-ups/{follow_up.pk}/done/")

    follow_up.refresh_from_db()
    assert response["Location"].startswith("/accounts/login/")
    assert follow_up.done_at is None


def test_done_ignores_an_offsite_next(staff_client, follow_up):
    response = staff_client.post(
        f"/follow-ups/{follow_up.pk}/done/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == f"/customers/{follow_up.customer_id}/#follow-ups"


# Snooze ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("choice", "days"), [("day", 1), ("week", 7)])
def test_snooze_for_a_day_or_a_week(staff_client, follow_up, choice, days):
    response = staff_client.post(f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": choice})

    follow_up.refresh_from_db()
    assert response.status_code == 302
    assert follow_up.snoozed_until == timezone.localdate() + days * DAY
    assert follow_up.due_on == timezone.localdate() + DAY


def test_snooze_until_a_date(staff_client, follow_up):
    until = timezone.localdate() + 10 * DAY

    staff_client.post(
        f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "date", "until": until.isoformat()}
    )

    follow_up.refresh_from_db()
    assert follow_up.snoozed_until == until


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("past", "Choose a day after today."),
        ("today", "Choose a day after today."),
        ("", "Choose the day to snooze it until."),
        ("31/31/2025", "Enter a date, e.g. 2025-03-18."),
    ],
)
def test_snooze_to_a_past_or_missing_date_is_refused_beside_the_field(
    staff_client, follow_up, until, message
):
    value = {
        "past": (timezone.localdate() - DAY).isoformat(),
        "today": timezone.localdate().isoformat(),
    }.get(until, until)

    response = staff_client.post(
        f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "date", "until": value}
    )

    follow_up.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors["until"] == [message]
    assert message in response.content.decode()
    assert follow_up.snoozed_until is None


def test_snooze_with_a_nonsense_choice_is_refused(staff_client, follow_up):
    response = staff_client.post(f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "forever"})

    assert response.context["form"].errors["snooze"] == ["Choose a day, a week, or a date."]


def test_a_done_follow_up_cannot_be_snoozed(staff_client, follow_up):
    staff_client.post(f"/follow-ups/{follow_up.pk}/done/")

    response = staff_client.post(f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "week"})

    follow_up.refresh_from_db()
    assert response.status_code == 200
    assert "This follow-up is already done." in response.content.decode()
    assert follow_up.snoozed_until is None


def test_other_staff_cannot_snooze(other_staff_client, follow_up):
    response = other_staff_client.post(f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "week"})

    follow_up.refresh_from_db()
    assert response.status_code == 403
    assert follow_up.snoozed_until is None


def test_manager_snoozes_anyones(manager_client, follow_up):
    manager_client.post(f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "week"})

    follow_up.refresh_from_db()
    assert follow_up.snoozed_until == timezone.localdate() + 7 * DAY


def test_snooze_is_post_only_and_unknown_is_404(staff_client, follow_up):
    assert staff_client.get(f"/follow-ups/{follow_up.pk}/snooze/").status_code == 405
    assert staff_client.post("/follow-ups/999999/snooze/", {"snooze": "day"}).status_code == 404


def test_anonymous_cannot_snooze(client, follow_up):
    response = client.post(f"/follow-ups/{follow_up.pk}/snooze/", {"snooze": "week"})

    follow_up.refresh_from_db()
    assert response["Location"].startswith("/accounts/login/")
    assert follow_up.snoozed_until is None


# The list -------------------------------------------------------------------------------------


@pytest.fixture
def spread(customer, staff_user, other_staff_user):
    """Sam: one due later, one overdue, one done; Olive: one overdue."""
    today = timezone.localdate()
    later = FollowUpFactory(customer=customer, assignee=staff_user, due_on=today + 3 * DAY)
    overdue = FollowUpFactory(customer=customer, assignee=staff_user, due_on=today - 2 * DAY)
    done = FollowUpFactory(
        customer=customer,
        assignee=staff_user,
        due_on=today,
        done_at=timezone.now(),
        done_on_time=True,
    )
    theirs = FollowUpFactory(customer=customer, assignee=other_staff_user, due_on=today - DAY)
    return {"later": later, "overdue": overdue, "done": done, "theirs": theirs}


def _listed(response):
    assert response.status_code == 200
    return [f.pk for f in response.context["page"].object_list]


def test_mine_is_the_default_tab(staff_client, spread):
    assert _listed(staff_client.get("/follow-ups/")) == [spread["overdue"].pk, spread["later"].pk]


def test_overdue_tab(staff_client, spread):
    assert _listed(staff_client.get("/follow-ups/?tab=overdue")) == [spread["overdue"].pk]


def test_done_tab_shows_on_time_or_late(staff_client, spread):
    response = staff_client.get("/follow-ups/?tab=done")

    assert _listed(response) == [spread["done"].pk]
    assert "On time" in response.content.decode()


def test_other_staff_see_their_own(other_staff_client, spread):
    assert _listed(other_staff_client.get("/follow-ups/")) == [spread["theirs"].pk]


def test_manager_sees_the_team(manager_client, spread, staff_user):
    team = manager_client.get("/follow-ups/?tab=team")
    sams = manager_client.get(f"/follow-ups/?tab=team&assignee={staff_user.pk}&overdue=on")

    assert _listed(team) == [spread["overdue"].pk, spread["theirs"].pk, spread["later"].pk]
    assert _listed(sams) == [spread["overdue"].pk]


def test_staff_asking_for_the_team_get_403(staff_client, spread):
    response = staff_client.get("/follow-ups/?tab=team")

    assert response.status_code == 403
    assert "?tab=team" not in staff_client.get("/follow-ups/").content.decode()


def test_promises_only(staff_client, spread, customer, staff_user):
    promise = FollowUpFactory(customer=customer, assignee=staff_user, promised=True)

    assert _listed(staff_client.get("/follow-ups/?promised=on")) == [promise.pk]


def test_nonsense_in_the_list_is_ignored(manager_client, spread):
    response = manager_client.get("/follow-ups/?tab=zzz&page=abc&assignee=x")

    assert response.status_code == 200
    assert response.context["tab"] == "mine"


def test_the_list_paginates(staff_client, customer, staff_user):
    FollowUpFactory.create_batch(30, customer=customer, assignee=staff_user)

    assert len(_listed(staff_client.get("/follow-ups/"))) == 25
    assert len(_listed(staff_client.get("/follow-ups/?page=2"))) == 5


def test_anonymous_is_sent_to_log_in_from_the_list(client):
    response = client.get("/follow-ups/")

    assert response["Location"].startswith("/accounts/login/")


def test_the_list_offers_done_and_snooze_only_where_allowed(manager_client, staff_client, spread):
    mine = staff_client.get("/follow-ups/").content.decode()
    team = manager_client.get("/follow-ups/?tab=team").content.decode()

    assert f'action="/follow-ups/{spread["later"].pk}/done/"' in mine
    assert f'action="/follow-ups/{spread["theirs"].pk}/done/"' not in mine
    assert f'action="/follow-ups/{spread["theirs"].pk}/snooze/"' in team


@pytest.mark.parametrize("count", [3, 40])
def test_list_query_count_is_constant(
    manager_client, staff_user, customer, django_assert_num_queries, count
):
    people = UserFactory.create_batch(3)
    for n in range(count):
        FollowUpFactory(customer=CustomerFactory(owner=staff_user), assignee=people[n % 3])

    # session, user with the manager check, assignee choices, count, page + customers +
    # assignees
    with django_assert_num_queries(5):
        manager_client.get("/follow-ups/?tab=team")


def test_profile_card_lists_open_follow_ups_with_actions(staff_client, follow_up, customer):
    done = FollowUpFactory(customer=customer, summary="Old news", done_at=timezone.now())

    content = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    card = content[content.index('id="follow-ups"') :]
    card = card[: card.index("</section>")]

    assert "Send the brochure" in card
    assert done.summary not in card
    assert f'action="/follow-ups/{follow_up.pk}/done/"' in card
    assert f'action="/follow-ups/{follow_up.pk}/snooze/"' in card
    assert f'action="/customers/{customer.pk}/follow-ups/new/"' in card
