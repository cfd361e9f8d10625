import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from customers.models import Customer
from insights import selectors as insight_selectors
from insights.models import RisingTheme
from interactions.moods import mood_falls
from voice.models import Survey


@pytest.mark.django_db
def test_demo_data_is_realistic_and_loading_it_twice_adds_nothing():
    call_command("load_demo", verbosity=0)
    first = Customer.objects.count()
    call_command("load_demo", verbosity=0)

    assert first >= 60
    assert Customer.objects.count() == first
    assert len(set(Customer.objects.values_list("temperament", flat=True))) == 5
    assert Customer.objects.exclude(expectations="").count() > first / 2
    assert Customer.objects.filter(tags__isnull=False).distinct().exists()
    # Answered surveys, and a loyalty score worked out for everyone with enough to go on.
    assert Survey.objects.filter(answered_at__isnull=False).count() >= 10
    assert Survey.objects.filter(reason="after_complaint", answered_at__isnull=False).exists()
    assert not Customer.objects.filter(loyalty_computed_at__isnull=True).exists()
    assert Customer.objects.filter(loyalty_score__isnull=False).count() > first / 2


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "group"), [("manager", "Manager"), ("staff", "Staff")])
def test_demo_logins(username, group):
    call_command("load_demo", verbosity=0)

    # Logins go through django-axes, which needs the request (it counts failures per address).
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, username=username, password="rapport-demo")
    assert user is not None
    assert list(user.groups.values_list("name", flat=True)) == [group]


@pytest.mark.django_db
def test_the_demo_tells_a_story_on_the_dashboard(manager_client):
    call_command("load_demo", verbosity=0)

    # One rising theme with its customers, one cause that dominates, one customer whose mood fell.
    (rising,) = RisingTheme.objects.all()
    assert rising.word == "evening" and len(rising.customer_ids) == 6
    causes = {row.cause: row.complaints for row in insight_selectors.causes() if row.cause}
    assert max(causes, key=causes.get) == "system"
    (fallen,) = mood_falls(timezone.now() - datetime.timedelta(days=7))
    page = manager_client.get("/dashboard/").content.decode()
    assert "“evening”" in page
    assert Customer.objects.get(pk=fallen.customer_id).name in page
