"""What a page offers, its user may use: no link or button leads anyone to a refusal.

Each role opens the pages they work on; every link on them is followed and every form posted
(empty, inside a transaction that is rolled back). None may answer 403: an action someone may
not take is not shown to them.
"""

from html.parser import HTMLParser

import pytest
from django.db import transaction

pytestmark = pytest.mark.django_db

# Leaving the session or the admin is not an action on the page's subject.
NOT_ACTIONS = ("/accounts/logout/", "/admin/logout/")


class Actions(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.forms = set(), set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.add(attrs.get("href") or "")
        elif tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.add(attrs.get("action") or "")


def _ours(url, page):
    url = (url or page).split("#")[0] or page
    return url if url.startswith("/") and not url.startswith(NOT_ACTIONS) else None


def _pages(world):
    return [
        "/",
        "/customers/",
        world.customer.get_absolute_url(),
        f"/complaints/{world.complaint.pk}/",
        "/complaints/",
        "/follow-ups/",
        "/reminders/",
        f"/interactions/{world.interaction.pk}/edit/",
        "/accounts/tokens/",
        "/accounts/calendar/",
    ]


class Rollback(Exception):
    pass


def _post(client, url):
    try:
        with transaction.atomic():
            status = client.post(url).status_code
            raise Rollback
    except Rollback:
        return status


@pytest.mark.parametrize("role", ["staff", "other", "manager"])
def test_no_link_or_button_on_a_page_leads_to_a_refusal(world, role):
    refused, tried = [], 0
    for page in _pages(world):
        client = world.client_for(role)
        response = client.get(page)
        if response.status_code == 403:
            continue  # the page itself is refused: nothing on it is offered
        assert response.status_code == 200, page
        actions = Actions()
        actions.feed(response.content.decode())
        for url in filter(None, (_ours(link, page) for link in actions.links)):
            tried += 1
            if client.get(url).status_code == 403:
                refused.append(("link", page, url))
        for url in filter(None, (_ours(action, page) for action in actions.forms)):
            tried += 1
            if _post(world.client_for(role), url) == 403:
                refused.append(("form", page, url))
    assert tried > 30  # the pages were read, not skipped
    assert refused == []
