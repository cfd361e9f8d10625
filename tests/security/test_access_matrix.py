"""Who reaches what: every URL pattern of the project, for anonymous visitors, the member of staff
who owns the customer, another member of staff, and a manager.

The rules: staff see all customers, add customers, edit only their own, log interactions on any
customer and work their own reminders, follow-ups and complaint cases. Managers do all of that
for anyone, and also edit, reassign and archive any customer, see the dashboard and staff pages,
import and export CSV, read the audit trail and use the admin. Anonymous visitors are sent to log
in except on the public pages. A member of staff asking for a manager's page gets a 403.

Every request runs against one set of real objects (``world.build_world``). No GET writes to the
database; a POST that is refused leaves every row as it was, and one that is allowed writes.
"""

import pytest
from django.db import connection, transaction

from tests.factories import UserFactory

from .world import (
    PATTERNS,
    ROLES,
    WriteRecorder,
    admin_page,
    changed_models,
    path_for,
    post_body,
    snapshot,
)

pytestmark = pytest.mark.django_db

OK = 200
NO_CONTENT = 204
DENIED = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
CONFLICT = 409
UNAUTHORIZED = 401  # the API's answer to anyone without a token: a session does not open it
LOGIN = "login"  # 302 to /accounts/login/?next=<the page>
ADMIN_LOGIN = "admin login"  # 302 to /admin/login/?next=<the page>
REDIRECT = "redirect"  # 302 anywhere else: the usual answer to a form that worked


def row(get, post=None):
    """Expected outcomes in ROLES order: (anonymous, owner staff, other staff, manager)."""
    return {"get": get, "post": post}


# fmt: off
MATRIX = {
    #                                      anonymous    owner staff  other staff  manager
    "my-day":                        row((LOGIN,       OK,          OK,          OK)),
    "healthz":                       row((OK,          OK,          OK,          OK)),
    "dashboard":                     row((LOGIN,       DENIED,      DENIED,      OK)),
    "staff-member":                  row((LOGIN,       DENIED,      DENIED,      OK)),
    "failed-emails":                 row((LOGIN,       DENIED,      DENIED,      OK)),
    "failed-emails-retry":           row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    # Accounts (django.contrib.auth.urls)
    "login":                         row((OK,          OK,          OK,          OK)),
    "logout":                        row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "password_change":               row((LOGIN,       OK,          OK,          OK)),
    "preferences":                   row((LOGIN,       OK,          OK,          OK),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "password_change_done":          row((LOGIN,       OK,          OK,          OK)),
    "password_reset":                row((OK,          OK,          OK,          OK)),
    "password_reset_done":           row((OK,          OK,          OK,          OK)),
    "password_reset_confirm":        row((REDIRECT,    REDIRECT,    REDIRECT,    REDIRECT)),
    "password_reset_complete":       row((OK,          OK,          OK,          OK)),
    # Customers
    "customers:list":                row((LOGIN,       OK,          OK,          OK)),
    "customers:create":              row((LOGIN,       OK,          OK,          OK),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "customers:detail":              row((LOGIN,       OK,          OK,          OK)),
    "customers:edit":                row((LOGIN,       OK,          DENIED,      OK),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "customers:archive":             row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "customers:restore":             row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "customers:reassign":            row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "customers:audit":               row((LOGIN,       DENIED,      DENIED,      OK)),
    "customers:import":              row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "customers:import-preview":      row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "customers:import-status":       row((LOGIN,       DENIED,      DENIED,      OK)),
    "customers:export":              row((LOGIN,       DENIED,      DENIED,      OK)),
    # A customer's data: the managers' to export and erase
    "customers:data-export":         row((LOGIN,       DENIED,      DENIED,      OK)),
    "customers:erase":               row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "customers:erase-due":           row((LOGIN,       DENIED,      DENIED,      OK)),
    # Interactions and follow-ups
    "interactions:log":              row((LOGIN,       OK,          OK,          OK),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "interactions:interaction-edit": row((LOGIN,       OK,          DENIED,      OK),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:follow-ups":       row((LOGIN,       OK,          OK,          OK)),
    "interactions:follow-up-new":    row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "interactions:follow-up-done":   row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:follow-up-snooze": row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    # Complaint cases
    "interactions:complaints":       row((LOGIN,       OK,          OK,          OK)),
    "interactions:complaint":        row((LOGIN,       OK,          OK,          OK)),
    "interactions:complaint-new":    row((LOGIN,       OK,          OK,          OK),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "interactions:complaint-transition":
                                     row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:complaint-update": row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:complaint-tell":   row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:complaint-link":   row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    # Reminders
    "interactions:reminders":        row((LOGIN,       OK,          OK,          OK)),
    "interactions:reminder-done":    row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:reminder-snooze":  row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:reminder-dismiss": row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    DENIED,      REDIRECT)),
    "interactions:reminder-retry":   row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    # A customer's full history for review
    "interactions:history":          row((LOGIN,       DENIED,      DENIED,      OK)),
    "interactions:history-csv":      row((LOGIN,       DENIED,      DENIED,      OK)),
    # Inbound email that matched no customer; failed email is the managers'
    "inbound:inbox":                 row((LOGIN,       OK,          OK,          OK)),
    "inbound:attach":                row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "inbound:create-customer":       row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "inbound:set-aside":             row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    REDIRECT,    REDIRECT)),
    "inbound:retry":                 row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    # Announcements are the managers'; on the world's draft, a pause, resume or cancel is
    # answered with where it stands, and marks no wishes
    "announcements:list":            row((LOGIN,       DENIED,      DENIED,      OK)),
    "announcements:new":             row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:detail":          row((LOGIN,       DENIED,      DENIED,      OK)),
    "announcements:edit":            row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:progress":        row((LOGIN,       DENIED,      DENIED,      OK)),
    "announcements:send":            row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:test":            row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:wishes-met":      row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:pause":           row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:resume":          row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "announcements:cancel":          row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    # Public: the feedback form, surveys and unsubscribing, whoever is logged in or not
    "voice:feedback":                row((OK,          OK,          OK,          OK),
                                     post=(REDIRECT,    REDIRECT,    REDIRECT,    REDIRECT)),
    "voice:feedback-thanks":         row((OK,          OK,          OK,          OK)),
    "voice:survey":                  row((OK,          OK,          OK,          OK),
                                     post=(OK,          OK,          OK,          OK)),
    # The customer's case page: the link is the key, whoever is logged in or not. The world's
    # case is open, so whether it is fixed is not asked yet, and the survey waits for the end.
    "voice:case":                    row((OK,          OK,          OK,          OK)),
    "voice:case-seen":               row((NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(NO_CONTENT,  NO_CONTENT,  NO_CONTENT,  NO_CONTENT)),
    "voice:case-message":            row((NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(REDIRECT,    REDIRECT,    REDIRECT,    REDIRECT)),
    "voice:case-remedy":             row((NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(REDIRECT,    REDIRECT,    REDIRECT,    REDIRECT)),
    "voice:case-fixed":              row((NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(CONFLICT,    CONFLICT,    CONFLICT,    CONFLICT)),
    "insights:insights":             row((LOGIN,       DENIED,      DENIED,      OK)),
    "voice:case-survey":             row((REDIRECT,    REDIRECT,    REDIRECT,    REDIRECT),
                                     post=(REDIRECT,    REDIRECT,    REDIRECT,    REDIRECT)),
    "unsubscribe":                   row((OK,          OK,          OK,          OK),
                                     post=(OK,          OK,          OK,          OK)),
    "marketing-consent":             row((OK,          OK,          OK,          OK),
                                     post=(OK,          OK,          OK,          OK)),
    # Webhook endpoints are the managers'; the world's endpoint is enabled, so enabling it again
    # changes nothing
    "webhooks:list":                 row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "webhooks:detail":               row((LOGIN,       DENIED,      DENIED,      OK)),
    "webhooks:edit":                 row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    "webhooks:delete":               row((LOGIN,       DENIED,      DENIED,      OK),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT)),
    **{
        f"webhooks:{name}":          row((LOGIN,       DENIED,      DENIED,      NOT_ALLOWED),
                                     post=(LOGIN,       DENIED,      DENIED,      REDIRECT))
        for name in ("rotate-secret", "enable", "disable", "ping", "replay")
    },
    # Calendar feeds: each makes their own link, which shows once; the world's feed is the
    # owner's, and only they and managers turn it off. The feed is public: the link is the key.
    "calendars:feed":                row((LOGIN,       OK,          OK,          OK)),
    "calendars:new":                 row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       OK,          OK,          OK)),
    "calendars:turn-off":            row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    NOT_FOUND,   REDIRECT)),
    "calendars:ics":                 row((OK,          OK,          OK,          OK),
                                     post=(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
    # The admin site's own pages; only staff-flagged users (managers) get past its login
    "admin:index":                   row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "admin:login":                   row((OK,          OK,          OK,          REDIRECT)),
    # Logged-in staff who may not use the admin are sent to its index, which asks them to log in
    # as someone who may; a manager must POST to log out.
    "admin:logout":                  row((ADMIN_LOGIN, REDIRECT,    REDIRECT,    NOT_ALLOWED)),
    "admin:password_change":         row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "admin:password_change_done":    row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    # Without its query parameters the autocomplete view refuses even a manager.
    "admin:autocomplete":            row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED)),
    "admin:jsi18n":                  row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "admin:view_on_site":            row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, REDIRECT)),
    "admin:app_list":                row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "admin/(?P<url>.*)$":            row((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, NOT_FOUND)),
    # The API takes tokens only (tests/api test the tokens' matrix); its schema and docs are
    # pages for signed-in staff.
    **{
        f"api:{name}": row((UNAUTHORIZED,) * 4)
        for name in ("customer", "customer-interactions", "complaint", "follow-ups", "reminders",
                     "figures")
    },
    **{
        f"api:{name}": row((UNAUTHORIZED,) * 4, post=(UNAUTHORIZED,) * 4)
        for name in ("customers", "customer-interactions", "customer-follow-ups", "complaints")
    },
    **{
        f"api:{name}": row((UNAUTHORIZED,) * 4, post=(UNAUTHORIZED,) * 4)
        for name in ("customer-archive", "complaint-transition", "complaint-remedy",
                     "follow-up-done")
    },
    "api:missing":                   row((NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
                                     post=(NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND)),
    "api:schema":                    row((LOGIN,       OK,          OK,          OK)),
    "api:docs":                      row((LOGIN,       OK,          OK,          OK)),
    "api:tokens":                    row((LOGIN,       OK,          OK,          OK),
                                     post=(LOGIN,       OK,          OK,          OK)),
    "api:token-revoke":              row((LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
                                     post=(LOGIN,       REDIRECT,    NOT_FOUND,   REDIRECT)),
}

# Each registered model's admin pages (admin/<app>/<model>/...) answer alike, so they are listed
# by kind of page, and the models by name with where they differ: registering a new model fails
# the completeness test until it is added here. Unlike the site's own pages, these are not exempt
# from LoginRequiredMiddleware, so anonymous visitors meet the app's login page first.
ADMIN_MODEL_PAGES = {
    #                                      anonymous    owner staff  other staff  manager
    "changelist":                    row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "add":                           row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "change":                        row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "history":                       row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "simple_history":                row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "password":                      row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    "redirect":                      row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, REDIRECT)),
    "delete":                        row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK),
                                     post=(LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, REDIRECT)),
}
# django-axes writes its login records itself, and the outbox its emails: their add pages
# refuse even a manager.
LOGIN_RECORD = {"add": row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, DENIED))}
# The world's customer and staff user have interactions, which protect them from deletion: the
# admin explains that on a page of its own and deletes nothing.
PROTECTED = {"delete": row((LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK),
                      post=(LOGIN,       ADMIN_LOGIN, ADMIN_LOGIN, OK))}
ADMIN_MODELS = {
    "auth.group": {},
    "crm.outgoingemail": LOGIN_RECORD,
    "auth.user": PROTECTED,
    "axes.accessattempt": LOGIN_RECORD,
    "axes.accesslog": LOGIN_RECORD,
    "axes.accessfailurelog": LOGIN_RECORD,
    "customers.tag": {},
    "customers.customer": PROTECTED,
    "interactions.interaction": {},
    "interactions.complaint": {},
    "interactions.complaintsubcause": {},
    "interactions.followup": {},
    "voice.feedbacksubmission": {},
    "voice.survey": {},
}
# fmt: on

# POSTs that are allowed and yet write nothing of the app's.
POST_WRITES_NOTHING = {
    "logout",
    "admin:auth_user_delete",
    "admin:customers_customer_delete",
    "announcements:wishes-met",
    "announcements:pause",
    "announcements:resume",
    "announcements:cancel",
    "voice:case-survey",  # the world's case is open: back to its page
    "webhooks:enable",
}


def expected_row(pattern):
    page = admin_page(pattern)
    if page and page[0] in ADMIN_MODELS:
        model_label, kind = page
        return ADMIN_MODELS[model_label].get(kind, ADMIN_MODEL_PAGES.get(kind))
    return MATRIX.get(pattern.key)


def outcome(response):
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith("/accounts/login/?next="):
        return LOGIN
    if location.startswith("/admin/login/?next="):
        return ADMIN_LOGIN
    return REDIRECT


def test_the_matrix_covers_every_url_pattern_and_nothing_else():
    missing = [p.key for p in PATTERNS if expected_row(p) is None]
    stale = set(MATRIX) - {p.key for p in PATTERNS}
    stale |= set(ADMIN_MODELS) - {admin_page(p)[0] for p in PATTERNS if admin_page(p)}

    assert missing == [], f"New URL patterns: say who may reach them in MATRIX: {missing}"
    assert stale == set(), f"MATRIX lists patterns that no longer exist: {stale}"
    assert {p.key for p in PATTERNS} >= {"customers:edit", "admin:index", "voice:survey"}


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.key)
def test_get_answers_each_role_as_the_matrix_says(world, pattern):
    expected = expected_row(pattern)["get"]
    path = path_for(pattern, world)
    writes = WriteRecorder()

    with connection.execute_wrapper(writes):
        got = tuple(outcome(world.client_for(role).get(path)) for role in ROLES)

    assert got == expected, f"GET {path} as {ROLES}"
    # Reading a page never writes: link scanners and prefetchers follow every link.
    assert writes.tables == [], f"GET {path} wrote to {writes.tables}"


POST_PATTERNS = [p for p in PATTERNS if expected_row(p) and expected_row(p)["post"]]


@pytest.mark.parametrize("pattern", POST_PATTERNS, ids=lambda p: p.key)
def test_post_answers_each_role_as_the_matrix_says_and_only_allowed_ones_write(world, pattern):
    expected = expected_row(pattern)["post"]
    path = path_for(pattern, world)
    before = snapshot()

    for role, want in zip(ROLES, expected, strict=True):
        writes = WriteRecorder()
        # Each role's request starts from the same rows: the one before it is rolled back.
        with transaction.atomic(), connection.execute_wrapper(writes):
            got = outcome(world.client_for(role).post(path, post_body(pattern, world)))
            allowed = want in (OK, NO_CONTENT, REDIRECT)
            changed = [] if allowed else changed_models(before, snapshot())
            transaction.set_rollback(True)

        assert got == want, f"POST {path} as {role}"
        if want not in (OK, NO_CONTENT, REDIRECT):
            assert writes.tables == [], f"POST {path} as {role} was refused but wrote"
            assert changed == [], f"POST {path} as {role} was refused but changed {changed}"
        elif pattern.key not in POST_WRITES_NOTHING:
            # The body is valid, so the refusals are about who asked, not what they sent.
            assert writes.tables, f"POST {path} as {role} was allowed but wrote nothing"


def test_the_manager_group_alone_opens_every_manager_page_of_the_app(world):
    """The matrix's manager is also a superuser, as provisioned; membership of the Manager
    group, without the superuser flag, must be enough for everything outside the admin."""
    client = world.client_for("anonymous")
    client.force_login(UserFactory(username="greta", role="Manager"))
    wrong = []
    for pattern in PATTERNS:
        if pattern.route.startswith("admin/"):
            continue
        want = expected_row(pattern)["get"][ROLES.index("manager")]
        path = path_for(pattern, world)
        got = outcome(client.get(path))
        if got != want:
            wrong.append((pattern.key, path, got, want))

    assert wrong == []
