"""The journeys in a real browser: Playwright driving Debian's Chromium against a live server on
PostgreSQL, with a real Celery worker on Redis and a real SMTP server.

Every page a journey visits goes through ``check_page``: no console errors, no failed requests,
no horizontal scrolling at 375 px, and no serious or critical axe-core violations at 375 px or
at 1280 px. A screenshot of each step goes to ``var/screenshots/<journey>-<step>.png``.
"""

import json
import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connection

from tests.conftest import CHROMIUM
from tests.real_services import Inbox, private_queue, smtp_server

AXE = Path(__file__).parent / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
WIDTH, HEIGHT = 375, 800
# The phone the journeys run on, and a desktop, where the navigation bar lays out differently.
AXE_WIDTHS = (WIDTH, 1280)
TIMEOUT = 30.0
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def _services_missing():
    """Skip before starting anything when the markers would skip the tests anyway."""
    return not django_settings.CELERY_BROKER_URL.startswith("redis") or not os.path.exists(CHROMIUM)


# The browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    if _services_missing():
        pytest.skip("needs Redis and Chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django would take
    # every ORM call from the test for one made in async code. Allowed only while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Problems:
    """What went wrong on the page since the last check: console errors, uncaught exceptions,
    failed requests and error responses."""

    def __init__(self, page):
        self.items = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.items.append(("pageerror", str(error), None)))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request):
        # The browser fetches the icon on its own time and drops it when the page moves on
        # first; a missing icon would still show as an error response.
        if request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED":
            return
        self.items.append(("requestfailed", f"{request.url} {request.failure}", None))

    def _console(self, message):
        if message.type == "error":
            self.items.append(("console", message.text, None))

    def _response(self, response):
        if response.status >= 400:
            self.items.append(("response", response.url, response.status))

    def take(self, expected_statuses=()):
        found = []
        for kind, text, status in self.items:
            if kind == "response" and status in expected_statuses:
                continue
            if kind == "console" and any(f"status of {code}" in text for code in expected_statuses):
                continue  # Chromium's own log line for an expected error status
            found.append((kind, text, status))
        self.items = []
        return found


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) at 375 x 800: ``new_page()``."""
    contexts = []

    def make():
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, base_url=live_server.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = Problems(page)
        return page

    yield make
    try:
        # Whatever happened after a journey's last check counts too.
        for context in contexts:
            for open_page in context.pages:
                leftover = open_page.problems.take()
                assert not leftover, f"after the last check of {open_page.url}: {leftover}"
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def check_page(page, shot, *, expected_statuses=()):
    """The checks every page passes, then a screenshot as ``var/screenshots/<shot>.png``."""
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)
    where = f"{shot} ({page.url})"

    problems = page.problems.take(expected_statuses)
    assert not problems, f"{where}: {problems}"

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH, f"{where}: scrolls sideways, {scroll_width} px wide at {WIDTH}"

    for width in AXE_WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        violations = _axe_violations(page)
        assert not violations, f"{where} at {width} px: axe found\n" + json.dumps(
            violations, indent=2
        )
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def _axe_violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated rather than added as a script tag: the content security policy refuses
        # inline scripts, and a refusal would itself show up as a console error.
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                              targets: v.nodes.map((n) => n.target.join(" "))}));
        }"""
    )


def visit(page, path, shot, *, expected_statuses=()):
    """Go to ``path`` and check the page."""
    response = page.goto(path)
    assert response is not None and (response.ok or response.status in expected_statuses), (
        f"{path}: {response and response.status}"
    )
    check_page(page, shot, expected_statuses=expected_statuses)
    return response


def log_in(page, username, password, shot):
    """Log in through the form, checking the login page (``<shot>-login``) and the page it
    lands on (``<shot>-landed``)."""
    visit(page, "/accounts/login/", f"{shot}-login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    check_page(page, f"{shot}-landed")


# Data, mail and the worker ------------------------------------------------------------------------


@pytest.fixture
def roles(transactional_db):
    """A transactional test starts from an empty database: the role groups again."""
    for name in ("Staff", "Manager"):
        Group.objects.get_or_create(name=name)


def text_of(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def eventually(check, what, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.1)
    return value


@pytest.fixture
def inbox(settings, live_server):
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    settings.DIGEST_HOUR = 0
    # Links in emails lead to the live server.
    settings.SITE_URL = live_server.url
    with smtp_server(settings, Inbox()) as handler:
        yield handler


@pytest.fixture
def worker(inbox, monkeypatch):
    """A real Celery worker in a thread of this process, on a queue of this test's own so that
    another run sharing the Redis server cannot take its tasks."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app as celery_app

    def close_connection(**kwargs):
        # The task's connection belongs to the worker's thread: none may outlive the test
        # (PostgreSQL will not drop a test database someone is connected to).
        connection.close()

    task_postrun.connect(close_connection, weak=False)
    with (
        private_queue(monkeypatch, prefix="rapport-e2e") as queue,
        start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=[queue]
        ),
    ):
        yield
    task_postrun.disconnect(close_connection)
