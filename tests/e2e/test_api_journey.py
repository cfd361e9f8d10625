"""A member of staff connects another tool: makes a token, the tool writes through the API,
the token is revoked and stops working at once; the API's documentation reads in the browser."""

import httpx

from customers.models import Customer
from tests.factories import PASSWORD, UserFactory

from .conftest import BROWSER_MARKS, check_page, log_in, visit

pytestmark = BROWSER_MARKS


def test_staff_make_a_token_a_tool_uses_it_and_revoking_stops_it(page, roles, live_server):
    UserFactory(username="sam", first_name="Sam", role="Staff")
    log_in(page, "sam", PASSWORD, "api-1")

    # Under the menu of their name, on every page.
    assert page.locator("a.dropdown-item[href='/accounts/tokens/']").count() == 1
    visit(page, "/accounts/tokens/", "api-2-tokens")
    page.get_by_label("What is it for?").fill("Booking system")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make the token").click()
    check_page(page, "api-3-made")
    token = page.get_by_label("Your new token").input_value()
    assert token.startswith("rap_")

    api = httpx.Client(
        base_url=f"{live_server.url}/api/v1/", headers={"Authorization": f"Bearer {token}"}
    )
    made = api.post("customers/", json={"name": "Booked Online", "email": "booked@example.com"})
    assert made.status_code == 201, made.text
    visit(page, "/customers/?q=booked", "api-4-list")
    assert page.get_by_role("link", name="Booked Online").count() == 1
    assert Customer.objects.get().owner.username == "sam"

    visit(page, "/accounts/tokens/", "api-5-tokens")
    page.get_by_role("button", name="Revoke Booking system").click()
    check_page(page, "api-6-revoked")
    assert api.get("customers/").status_code == 401


def test_the_api_documentation_reads_in_the_browser(page, roles):
    UserFactory(username="sam", first_name="Sam", role="Staff")
    log_in(page, "sam", PASSWORD, "api-docs-1")

    response = page.goto("/api/docs/")
    assert response is not None and response.ok
    # Swagger UI is drawn by its script, from files served here (no CDN), under the site's
    # content security policy: a refused script or style would show as a console error.
    page.get_by_text("Rapport API").first.wait_for()
    page.get_by_text("/api/v1/customers/").first.wait_for()
    problems = page.problems.take()
    assert not problems, problems
