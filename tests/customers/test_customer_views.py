import datetime
import re

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from interactions.models import Reminder
from tests.factories import CustomerFactory, TagFactory, UserFactory
from tests.interactions.factories import ComplaintEventFactory, ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory, InteractionFactory
from tests.interactions.reminder_factories import ReminderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(staff_user):
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=staff_user)


def _form_data(**overrides):
    data = {
        "name": "Grace Hopper",
        "company": "Navy Yard",
        "email": "Grace@Example.com ",
        "phone": "+44 20 7946 0000",
        "preferred_channel": "phone",
        "temperament": "driver",
        "expectations": "Straight answers.",
        "unmet_wants": "Weekend visits.",
        "customer_since": "2025-01-15",
        "segment": "",
        "status": "active",
        "checkin_cadence_days": "",
        "birthday": "",
        "tags_text": "vip, Weekly, vip",
    }
    data.update(overrides)
    return data


# Create ---------------------------------------------------------------------------------------


def test_staff_creates_a_customer_they_then_own(staff_client, staff_user):
    response = staff_client.post("/customers/new/", _form_data())

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == staff_user
    assert customer.email == "grace@example.com"
    assert sorted(t.name for t in customer.tags.all()) == ["Weekly", "vip"]
    # Established (customer for over 90 days), 60-day cadence, never contacted.
    assert customer.next_checkin_due == datetime.date(2025, 1, 15) + datetime.timedelta(days=60)


def test_staff_cannot_pick_another_owner(staff_client, staff_user, other_staff_user):
    staff_client.post("/customers/new/", _form_data(owner=other_staff_user.pk))

    assert Customer.objects.get().owner == staff_user


def test_manager_chooses_the_owner(manager_client, other_staff_user):
    manager_client.post("/customers/new/", _form_data(owner=other_staff_user.pk))

    assert Customer.objects.get().owner == other_staff_user


def test_bad_input_is_shown_beside_the_field_and_kept(staff_client):
    response = staff_client.post(
        "/customers/new/",
        _form_data(name="", email="not-an-email", checkin_cadence_days="0", customer_since="31/02"),
    )

    assert response.status_code == 200
    assert Customer.objects.count() == 0
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email", "checkin_cadence_days", "customer_since"}
    assert b'value="not-an-email"' in response.content
    assert b"Navy Yard" in response.content


def test_duplicate_email_names_the_existing_customer_with_a_link(staff_client, owned):
    response = staff_client.post("/customers/new/", _form_data(email="ADA@example.com"))

    assert response.status_code == 200
    assert Customer.objects.count() == 1
    assert response.context["form"].errors["email"] == [
        f'This email already belongs to <a href="/customers/{owned.pk}/">Ada Lovelace</a>. '
        "Open that customer instead, or use another address."
    ]


def test_customer_name_is_escaped_in_the_duplicate_message(staff_client, staff_user):
    CustomerFactory(name="<script>alert(1)</script>", email="x@example.com", owner=staff_user)

    response = staff_client.post("/customers/new/", _form_data(email="x@example.com"))

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


# Profile --------------------------------------------------------------------------------------


def test_profile_shows_facts_tip_and_the_customers_own_words(staff_client, owned):
    owned.temperament = Customer.Temperament.ANALYTICAL
    owned.expectations = "Quotes in writing."
    owned.unmet_wants = "Online booking."
    owned.save()

    response = staff_client.get(f"/customers/{owned.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in content
    assert "Bring facts and detail in writing" in content
    assert "Quotes in writing." in content
    assert "Online booking." in content
    assert "Sam Staff" in content


def test_profile_of_an_unknown_customer_is_404(staff_client):
    assert staff_client.get("/customers/999999/").status_code == 404


def test_other_staff_can_read_but_not_edit(other_staff_client, owned):
    response = other_staff_client.get(f"/customers/{owned.pk}/")

    assert response.status_code == 200
    assert f"/customers/{owned.pk}/edit/" not in response.content.decode()


@pytest.mark.parametrize("count", [3, 60])
def test_profile_query_count_is_constant(
    staff_client, staff_user, django_assert_num_queries, count
):
    tags = [TagFactory() for _ in range(3)]
    customers = CustomerFactory.create_batch(count, owner=staff_user, tags=tags)
    customer = customers[-1]
    now = timezone.now()
    for n in range(count):
        InteractionFactory(
            customer=customer, occurred_at=now - datetime.timedelta(hours=n + 1), kind="call"
        )
    for _ in range(count // 20 + 1):
        complaint = ComplaintFactory(customer=customer, assignee=staff_user)
        ComplaintEventFactory(complaint=complaint, actor=staff_user)
    FollowUpFactory.create_batch(count // 10 + 1, customer=customer, assignee=staff_user)
    ReminderFactory.create_batch(
        count // 20 + 1,
        customer=customer,
        due_on=factory.Sequence(lambda n: timezone.localdate() - datetime.timedelta(days=n)),
        state=Reminder.State.DISMISSED,
        dismissed_by=staff_user,
        dismissed_reason="Away",
    )

    # session, user with the manager check, customer + owner, its tags, the people for the timeline
    # filter and the follow-up form; timeline: count, one page of (type, id, time), then its
    # interactions + authors, complaint events + actors + cases, follow-ups + assignees;
    # open follow-ups + assignees; complaints + assignees; reminders set aside + who did it;
    # the recent moods
    with django_assert_num_queries(14):
        response = staff_client.get(f"/customers/{customer.pk}/")

    types = {entry.type for entry in response.context["timeline"].object_list}
    assert types == {"interaction", "complaint_event", "follow_up"}
    assert response.context["open_follow_ups"]
    assert response.context["complaints"]


def test_manager_profile_reassign_select_shares_the_people_query(
    manager_client, staff_client, staff_user
):
    customer = CustomerFactory(owner=staff_user)
    InteractionFactory(customer=customer)

    counts = {}
    for role, client in (("staff", staff_client), ("manager", manager_client)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/customers/{customer.pk}/")
        counts[role] = len(queries)

    # A manager's page adds the reassign select, drawn from the people the page already has.
    assert counts["manager"] == counts["staff"]
    owner = str(response.context["reassign_form"]["owner"])
    assert (
        f'<option value="{staff_user.pk}" selected>{staff_user.get_full_name()}</option>' in owner
    )
    assert '<option value="nobody">Nobody (unassigned)</option>' in owner


# Edit -----------------------------------------------------------------------------------------


def test_owner_edits_and_the_checkin_date_follows_the_cadence(staff_client, owned):
    owned.last_contact_at = timezone.now()
    owned.save()

    response = staff_client.post(
        f"/customers/{owned.pk}/edit/",
        _form_data(name="Ada King", email="ada@example.com", checkin_cadence_days="7"),
    )

    owned.refresh_from_db()
    assert response.status_code == 302
    assert owned.name == "Ada King"
    assert owned.next_checkin_due == timezone.localdate() + datetime.timedelta(days=7)


def test_staff_cannot_edit_someone_elses_customer(other_staff_client, owned):
    assert other_staff_client.get(f"/customers/{owned.pk}/edit/").status_code == 403
    response = other_staff_client.post(f"/customers/{owned.pk}/edit/", _form_data(name="Hacked"))

    owned.refresh_from_db()
    assert response.status_code == 403
    assert owned.name == "Ada Lovelace"


def test_manager_edits_any_customer(manager_client, owned):
    response = manager_client.post(
        f"/customers/{owned.pk}/edit/", _form_data(name="Ada L.", email="ada@example.com")
    )

    owned.refresh_from_db()
    assert response.status_code == 302
    assert owned.name == "Ada L."


def test_editing_an_unknown_customer_is_404(manager_client):
    assert manager_client.get("/customers/424242/edit/").status_code == 404


# Archive, restore, reassign -------------------------------------------------------------------


def test_manager_archives_and_restores_and_nothing_is_deleted(manager_client, owned):
    manager_client.post(f"/customers/{owned.pk}/archive/")
    owned.refresh_from_db()
    assert owned.is_archived
    assert owned not in manager_client.get("/customers/").context["page"].object_list
    archived = manager_client.get("/customers/?status=archived").context["page"].object_list
    assert list(archived) == [owned]

    manager_client.post(f"/customers/{owned.pk}/restore/")
    owned.refresh_from_db()
    assert not owned.is_archived


@pytest.mark.parametrize("action", ["archive", "restore"])
def test_staff_cannot_archive_or_restore(staff_client, owned, action):
    response = staff_client.post(f"/customers/{owned.pk}/{action}/")

    owned.refresh_from_db()
    assert response.status_code == 403
    assert owned.archived_at is None


def test_archive_is_post_only(manager_client, owned):
    assert manager_client.get(f"/customers/{owned.pk}/archive/").status_code == 405


def test_manager_reassigns_in_bulk(manager_client, staff_user, other_staff_user):
    mine = CustomerFactory.create_batch(3, owner=staff_user)

    response = manager_client.post(
        "/customers/reassign/",
        {
            "customers": [c.pk for c in mine[:2]],
            "owner": other_staff_user.pk,
            "next": "/customers/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    owners = {c.pk: c.owner_id for c in Customer.objects.all()}
    assert owners == {
        mine[0].pk: other_staff_user.pk,
        mine[1].pk: other_staff_user.pk,
        mine[2].pk: staff_user.pk,
    }


def test_reassign_with_nothing_ticked_says_so(manager_client):
    response = manager_client.post("/customers/reassign/", {"owner": "nobody"}, follow=True)

    assert "Tick at least one customer to reassign." in response.content.decode()


def test_reassign_without_a_choice_unassigns_no_one(manager_client, owned):
    response = manager_client.post(
        "/customers/reassign/", {"customers": [owned.pk], "owner": ""}, follow=True
    )

    assert "Choose who the customers go to." in response.content.decode()
    owned.refresh_from_db()
    assert owned.owner.username == "sam"


def test_reassign_to_nobody_is_a_choice_of_its_own(manager_client, owned):
    manager_client.post("/customers/reassign/", {"customers": [owned.pk], "owner": "nobody"})

    owned.refresh_from_db()
    assert owned.owner is None


@pytest.mark.parametrize("owner", ["١", "9" * 30, "none", " 1", "\x00"])
def test_reassign_refuses_an_owner_that_is_not_a_choice(manager_client, owned, owner):
    response = manager_client.post(
        "/customers/reassign/", {"customers": [owned.pk], "owner": owner}, follow=True
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    owned.refresh_from_db()
    assert owned.owner.username == "sam"


def test_the_list_gives_the_reassign_select_an_id_and_label_of_its_own(manager_client, owned):
    page = manager_client.get("/customers/").content.decode()

    assert page.count('id="id_owner"') == 1  # the filter's
    assert '<label class="form-label small mb-1" for="reassign-owner">' in page
    assert 'id="reassign-owner"' in page and " required" in page
    assert 'data-confirm-many="Reassign {count} customers to {owner}?"' in page


def test_reassign_refuses_an_unknown_owner_and_an_offsite_next(manager_client, owned):
    response = manager_client.post(
        "/customers/reassign/",
        {"customers": [owned.pk], "owner": 999999, "next": "https://evil.example/"},
    )

    owned.refresh_from_db()
    assert response["Location"] == "/customers/"
    assert owned.owner.username == "sam"


def test_staff_cannot_reassign(staff_client, owned, other_staff_user):
    response = staff_client.post(
        "/customers/reassign/", {"customers": [owned.pk], "owner": other_staff_user.pk}
    )

    owned.refresh_from_db()
    assert response.status_code == 403
    assert owned.owner.username == "sam"


# List -----------------------------------------------------------------------------------------


def _names(response):
    return [c.name for c in response.context["page"].object_list]


def test_list_searches_name_company_email_and_phone(staff_client, staff_user):
    CustomerFactory(name="Bea Baker", company="Blue Door Bakery", email="bea@x.com", phone="0111")
    CustomerFactory(name="Carl Cole", company="Kite Garage", email="carl@y.com", phone="0222")

    assert _names(staff_client.get("/customers/?q=bea")) == ["Bea Baker"]
    assert _names(staff_client.get("/customers/?q=KITE")) == ["Carl Cole"]
    assert _names(staff_client.get("/customers/?q=y.com")) == ["Carl Cole"]
    assert _names(staff_client.get("/customers/?q=0111")) == ["Bea Baker"]


def test_list_filters(staff_client, staff_user, other_staff_user):
    today = timezone.localdate()
    vip = TagFactory(name="vip")
    CustomerFactory(
        name="Mine Overdue", owner=staff_user, next_checkin_due=today - datetime.timedelta(days=1)
    )
    CustomerFactory(
        name="Theirs New",
        owner=other_staff_user,
        customer_since=today - datetime.timedelta(days=5),
        tags=[vip],
        status=Customer.Status.AT_RISK,
    )
    CustomerFactory(name="Nobody's", owner=None, next_checkin_due=today)

    assert _names(staff_client.get("/customers/?owner=mine")) == ["Mine Overdue"]
    assert _names(staff_client.get("/customers/?owner=none")) == ["Nobody's"]
    assert _names(staff_client.get(f"/customers/?owner={other_staff_user.pk}")) == ["Theirs New"]
    assert _names(staff_client.get("/customers/?overdue=on")) == ["Mine Overdue"]
    assert _names(staff_client.get("/customers/?segment=new")) == ["Theirs New"]
    assert _names(staff_client.get(f"/customers/?tag={vip.pk}")) == ["Theirs New"]
    assert _names(staff_client.get("/customers/?status=at_risk")) == ["Theirs New"]


def test_list_rows_show_each_customers_tags_in_order(staff_client, staff_user):
    weekly, vip = TagFactory(name="weekly"), TagFactory(name="vip")
    CustomerFactory(name="Amy", tags=[weekly, vip])
    CustomerFactory(name="Bea", tags=[weekly])
    CustomerFactory(name="Cal")

    content = staff_client.get("/customers/").content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in content.split("<tr>")[2:]}

    assert re.findall(r"text-bg-info\">([^<]*)<", rows["Amy"]) == ["vip", "weekly"]
    assert re.findall(r"text-bg-info\">([^<]*)<", rows["Bea"]) == ["weekly"]
    assert "text-bg-info" not in rows["Cal"]


@pytest.mark.parametrize("tag", ["abc", "999999"])
def test_list_refuses_an_unknown_tag_with_a_message(staff_client, staff_user, tag):
    TagFactory(name="vip")

    response = staff_client.get(f"/customers/?tag={tag}")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_list_sorts(staff_client, staff_user):
    CustomerFactory(name="Zed", next_checkin_due=datetime.date(2030, 1, 1))
    CustomerFactory(name="Amy", next_checkin_due=datetime.date(2031, 1, 1))

    assert _names(staff_client.get("/customers/")) == ["Amy", "Zed"]
    assert _names(staff_client.get("/customers/?sort=-name")) == ["Zed", "Amy"]
    assert _names(staff_client.get("/customers/?sort=next_checkin")) == ["Zed", "Amy"]


def test_list_ignores_nonsense_filters_with_a_message(staff_client, staff_user):
    CustomerFactory(name="Amy")

    response = staff_client.get("/customers/?status=bogus&owner=abc&sort=drop&page=zzz")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_list_paginates(staff_client, staff_user):
    CustomerFactory.create_batch(30, owner=staff_user)

    first, second = staff_client.get("/customers/"), staff_client.get("/customers/?page=2")

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize(
    "matching, page, shown, total, queries",
    [
        # session, user, people, tag choices, the page + owners, tags of the page; and the
        # count, unless the first page has room to spare
        (3, "", 3, 3, 6),
        (3, "abc", 3, 3, 6),
        (3, "9", 3, 3, 7),  # past the end or under 1: the last page, found by counting
        (3, "0", 3, 3, 7),
        (25, "", 25, 25, 7),
        (30, "", 25, 30, 7),
        (30, "2", 5, 30, 7),
    ],
)
def test_a_search_counts_only_when_its_first_page_is_full(
    manager_client, staff_user, django_assert_num_queries, matching, page, shown, total, queries
):
    CustomerFactory.create_batch(matching, owner=staff_user, company="Kite Garage")
    CustomerFactory.create_batch(4, owner=staff_user, company="Blue Door")

    with django_assert_num_queries(queries):
        response = manager_client.get(f"/customers/?q=kite&page={page}")

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == shown
    assert response.context["page"].paginator.count == total
    assert f'Customers <span class="text-body-secondary fs-6">{total}</span>' in response.text


@pytest.mark.parametrize("count", [3, 60])
def test_list_query_count_is_constant(manager_client, staff_user, django_assert_num_queries, count):
    tags = [TagFactory() for _ in range(3)]
    CustomerFactory.create_batch(count, owner=staff_user, tags=tags)
    # session, user with the manager check, people (for the owner filter and the reassign
    # select), tag choices, count (a full first page only: a shorter one is its own count),
    # page + owners, tags of the page
    with django_assert_num_queries(6 if count < 25 else 7):
        response = manager_client.get("/customers/?sort=name")
    assert response.status_code == 200


def test_list_escapes_user_text(staff_client, staff_user):
    CustomerFactory(name="<img src=x onerror=alert(1)>", company="<b>bold</b>")

    content = staff_client.get("/customers/").content.decode()

    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content


def test_a_managers_row_checkbox_is_labelled_select_and_the_customers_name(manager_client):
    customer = CustomerFactory(name="Ada <Lovelace>")

    content = manager_client.get("/customers/").content.decode()

    # Its accessible name is "Select Ada <Lovelace>": the word, written once, then the name.
    assert '<span id="select-customer" hidden>Select</span>' in content
    assert f'aria-labelledby="select-customer customer-{customer.pk}"' in content
    assert f'id="customer-{customer.pk}">Ada &lt;Lovelace&gt;</a>' in content


def test_staff_sees_no_manager_controls(staff_client, staff_user):
    CustomerFactory(owner=staff_user)

    content = staff_client.get("/customers/").content.decode()

    assert "/customers/import/" not in content
    assert 'name="customers"' not in content


def test_everyone_sees_every_customer(other_staff_client, owned):
    assert _names(other_staff_client.get("/customers/")) == ["Ada Lovelace"]


def test_user_factory_roles(db):
    assert UserFactory(role="Manager").groups.get().name == "Manager"


def test_the_owner_select_is_read_without_a_server_side_cursor(manager_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(f"/customers/{customer.pk}/edit/")

    owner_select = response.content.decode().split('name="owner"', 1)[1].split("</select>")[0]
    assert f'value="{staff_user.pk}" selected>Sam Staff</option>' in owner_select
    assert not [q["sql"] for q in queries.captured_queries if "DECLARE" in q["sql"]]
