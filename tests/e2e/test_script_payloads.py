"""Script payloads typed into any text field stay text: on every page that shows them, in the
forms that edit them, and in the emails that carry them.

Each page is judged by its DOM (no element, attribute or script a payload could have made)
as well as by the absence of dialogs, so the proof holds whether or not a Content Security
Policy would have blocked an injected script from running. Layout and accessibility are the
journeys' checks (``check_page``); here only escaping is judged.
"""

import csv
import datetime
import io
import json
import re
from urllib.parse import quote

from django.utils import timezone

from customers.models import Customer
from customers.services import customer_create, customer_update
from interactions import tasks
from interactions.complaints.services import complaint_open, complaint_transition
from interactions.follow_ups.services import followup_create
from interactions.models import Complaint, Interaction, Reminder
from interactions.services import interaction_log
from tests.factories import PASSWORD, TagFactory, UserFactory
from voice.models import Survey
from voice.surveys import survey_answer, survey_create

from .conftest import BROWSER_MARKS, text_of

pytestmark = BROWSER_MARKS

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
SVG = "'><svg onload=alert(3)>"
JS_URL = "javascript:alert(4)"
TEMPLATE = "{{7*7}}"
TEXTAREA = "</textarea><script>alert(5)</script>"
# A valid address (a quoted local part may hold markup), so it reaches every page and mailbox.
EMAIL = '"<svg/onload=alert(3)>"@example.com'

# Whatever a payload could have turned into, had it been parsed as markup.
INJECTED = r"""() => {
    const found = [];
    for (const element of document.querySelectorAll("*")) {
        for (const attribute of element.attributes) {
            if (attribute.name.toLowerCase().startsWith("on")) {
                found.push(`<${element.localName} ${attribute.name}="${attribute.value}">`);
            }
            const link = ["href", "src", "action", "formaction"].includes(attribute.name);
            if (link && /^\s*javascript:/i.test(attribute.value)) {
                found.push(`<${element.localName} ${attribute.name}="${attribute.value}">`);
            }
        }
    }
    document.querySelectorAll("img[src='x']").forEach((image) => found.push(image.outerHTML));
    for (const script of document.scripts) {
        const runs = !script.type || /javascript|module/i.test(script.type);
        if (runs && /alert\(/.test(script.textContent)) found.push(script.outerHTML);
    }
    return found;
}"""


def _watch(page):
    """Record (and close) any dialog: one opening means a payload ran."""
    page.dialogs = []

    def dismiss(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page


def _open(new_page):
    return _watch(new_page())


def assert_inert(page, where, shows=()):
    """Nothing ran, nothing became markup, and each of ``shows`` is on the page as text."""
    page.wait_for_load_state("load")
    problems = page.problems.take()
    assert not problems, f"{where}: {problems}"
    assert not page.dialogs, f"{where}: a payload ran and opened {page.dialogs}"
    injected = page.evaluate(INJECTED)
    assert not injected, f"{where}: payload markup became elements: {injected}"
    # textContent, not innerText: columns hidden at 375 px (email, phone) count too.
    text = page.evaluate("document.body.textContent")
    missing = [shown for shown in shows if shown not in text]
    assert not missing, f"{where}: not shown literally: {missing}"


def visit(page, path, shows=()):
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    assert_inert(page, path, shows)


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert_inert(page, f"{username} logged in")


def lines(*values):
    """Each line of multi-line values: pages show them with the line breaks kept."""
    return [line for value in values for line in value.replace("\r\n", "\n").split("\n") if line]


def assert_email_inert(page, message, shows):
    """The HTML body escapes the payloads, and shown in a browser it runs and makes nothing."""
    html = message.get_body(("html",)).get_content()
    where = f"email {message['Subject']!r} to {message['To']}"
    for raw in ("<script", "<img", "<svg", "</textarea>"):
        assert raw not in html, f"{where}: {raw!r} is in the HTML unescaped"
    page.set_content(html)
    assert_inert(page, where, shows)


# 1. Everything stored through the services, on every page that shows it -----------------------


def test_payloads_stored_by_services_stay_text_on_every_page_and_email(
    new_page, roles, inbox, worker
):
    today = timezone.localdate()
    sam = UserFactory(username="sam", first_name=f"Sam {IMG}", last_name=SCRIPT)
    mona = UserFactory(
        username="mona", first_name=f"Mona {SVG}", last_name=TEMPLATE, role="Manager"
    )
    ada = customer_create(
        name=f"Ada {SCRIPT}",
        company=f"{TEMPLATE} Works",
        email="ada@example.com",
        phone=JS_URL,
        expectations=f"{TEXTAREA}\n{TEMPLATE}",
        unmet_wants=f"{SVG} weekend visits",
        owner=sam,
        customer_since=today - datetime.timedelta(days=30),
        tags=[TagFactory(name=SCRIPT), TagFactory(name=IMG)],
    )
    # A change, so the audit trail shows an old and a new payload side by side.
    ada = customer_update(ada, company=f"{IMG} Engines")
    grace = customer_create(
        name=f"Grace {SVG}",
        company=TEXTAREA,
        email=EMAIL,
        owner=sam,
        # Never contacted, so her check-in is overdue: on My day, the digest, the staff page.
        customer_since=today - datetime.timedelta(days=400),
    )
    # A note is not customer-facing: it leaves the check-in clock alone.
    note = interaction_log(
        customer=ada,
        author=sam,
        kind=Interaction.Kind.NOTE,
        summary=f"Note {IMG}",
        details=f"{SCRIPT}\n{TEXTAREA}",
    )
    leak = complaint_open(
        customer=ada,
        summary=f"Leak {SVG}",
        severity=Complaint.Severity.HIGH,
        opened_by=sam,
        details=f"Water {SCRIPT}",
    )
    complaint_transition(
        leak, to_status=Complaint.Status.IN_PROGRESS, actor=mona, note=f"Event {TEXTAREA}"
    )
    noise = complaint_open(
        customer=ada, summary=f"Noise {SCRIPT}", severity=Complaint.Severity.LOW, opened_by=sam
    )
    complaint_transition(
        noise,
        to_status=Complaint.Status.RESOLVED,
        actor=sam,
        resolution_summary=f"Fixed {IMG}\n{TEMPLATE}",
    )
    promise = followup_create(
        customer=ada,
        summary=f"Call back {SVG}",
        due_on=today - datetime.timedelta(days=1),
        assignee=sam,
        created_by=sam,
        promised=True,
    )
    survey = Survey.objects.create(
        customer=ada,
        reason=Survey.Reason.PERIODIC,
        state=Survey.State.SENT,
        sent_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    assert survey_answer(
        survey,
        satisfaction=2,
        recommend=3,
        considered_switching=Survey.Switching.YES,
        unmet_want=f"Want {TEXTAREA}",
        comment=f"Comment {SVG}",
    )
    ada.refresh_from_db()

    tasks.send_digests.delay()
    (digest,) = inbox.wait_for("sam@example.com", 1)
    # After the digest, so the digest does not try to send it again.
    failed = Reminder.objects.create(
        kind=Reminder.Kind.KEY_DATE,
        detail=Reminder.Detail.BIRTHDAY,
        object_id=grace.pk,
        customer=grace,
        recipient=sam,
        due_on=today,
        state=Reminder.State.FAILED,
        attempts=3,
        last_error=f"550 refused {SCRIPT}",
    )

    mail = _open(new_page)
    assert_email_inert(mail, digest, [sam.first_name, ada.name, grace.name])
    acknowledgements = inbox.wait_for("ada@example.com", 3)
    by_subject = {message["Subject"]: message for message in acknowledgements}
    assert_email_inert(
        mail, by_subject[f"We have your complaint (case #{leak.pk})"], [ada.name, leak.summary]
    )
    assert_email_inert(
        mail,
        by_subject[f"Your complaint is resolved (case #{noise.pk})"],
        [ada.name, noise.summary, *lines(f"Fixed {IMG}\n{TEMPLATE}")],
    )

    # Staff: the owner's pages.
    page = _open(new_page)
    log_in(page, "sam")
    visit(
        page,
        "/",
        [sam.first_name, grace.name, ada.name, promise.summary, leak.summary, TEXTAREA],
    )
    visit(
        page,
        "/customers/",
        [ada.name, ada.company, SCRIPT, IMG, JS_URL, grace.name, EMAIL, sam.get_full_name()],
    )
    visit(page, f"/customers/?q={quote(SCRIPT)}", [ada.name])
    assert grace.name not in page.locator("main").text_content()
    assert page.locator("input[name=q]").input_value() == SCRIPT

    profile = [
        ada.name,
        ada.company,
        SCRIPT,
        IMG,
        JS_URL,
        sam.get_full_name(),
        note.summary,
        leak.summary,
        noise.summary,
        promise.summary,
        f"Event {TEXTAREA}",
        f"Comment {SVG}",
        *lines(ada.expectations, ada.unmet_wants, note.details, f"Fixed {IMG}\n{TEMPLATE}"),
    ]
    visit(page, f"/customers/{ada.pk}/", profile)
    assert page.title().startswith(ada.name)
    visit(page, f"/customers/{grace.pk}/", [grace.name, grace.company, EMAIL])

    visit(page, f"/customers/{ada.pk}/edit/", [ada.name])
    for field, stored in (
        ("name", ada.name),
        ("company", ada.company),
        ("phone", ada.phone),
        ("expectations", ada.expectations),
        ("unmet_wants", ada.unmet_wants),
    ):
        assert page.locator(f"#id_{field}").input_value() == stored, field
    assert set(page.locator("#id_tags_text").input_value().split(", ")) == {SCRIPT, IMG}

    # A next= that is a javascript: URL must not become the Cancel link or a redirect.
    visit(page, f"/interactions/{note.pk}/edit/?next={quote(JS_URL)}", [ada.name])
    assert page.locator("#id_summary").input_value() == note.summary
    assert page.locator("#id_details").input_value() == note.details
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/customers/{ada.pk}/#interaction-{note.pk}")
    assert_inert(page, "interaction saved unchanged", [note.summary])
    saved = Interaction.objects.get(pk=note.pk).details
    assert saved.replace("\r\n", "\n") == note.details  # a browser sends CRLF line breaks

    visit(page, "/complaints/", [leak.summary, ada.name, sam.get_full_name()])
    case = [leak.summary, ada.name, sam.get_full_name(), mona.get_full_name(), f"Event {TEXTAREA}"]
    visit(page, f"/complaints/{leak.pk}/", case)
    visit(
        page,
        f"/complaints/{noise.pk}/",
        [noise.summary, *lines(f"Fixed {IMG}\n{TEMPLATE}")],
    )
    visit(page, "/follow-ups/", [promise.summary, ada.name, sam.get_full_name()])
    # The snooze form comes back (no date given) with a Cancel link to its next= page.
    snooze = page.locator(f"form[action='/follow-ups/{promise.pk}/snooze/']")
    snooze.locator("input[name=next]").evaluate("(input, url) => { input.value = url; }", JS_URL)
    snooze.locator("select[name=snooze]").select_option("date")
    snooze.get_by_role("button", name="Snooze").click()
    page.wait_for_url(f"**/follow-ups/{promise.pk}/snooze/")
    assert_inert(page, "snooze form sent back", [promise.summary, ada.name])
    cancel = page.get_by_role("link", name="Cancel").get_attribute("href")
    assert cancel == ada.get_absolute_url()
    visit(page, "/reminders/", [ada.name, grace.name])

    # Manager: the pages only managers see.
    manager = _open(new_page)
    log_in(manager, "mona")
    visit(
        manager,
        f"/customers/{ada.pk}/history/",
        [ada.name, ada.company, note.summary, leak.summary, promise.summary, sam.get_full_name()]
        + lines(note.details, f"Event {TEXTAREA}"),
    )
    visit(
        manager,
        f"/customers/{ada.pk}/audit/",
        [ada.name, f"{TEMPLATE} Works", ada.company, note.summary, leak.summary, promise.summary],
    )
    visit(
        manager,
        "/dashboard/",
        [sam.get_full_name(), ada.name, grace.name, failed.last_error, f"Want {TEXTAREA}"],
    )
    # The charts' data travels as JSON in a script tag: it must parse back to the same text.
    assert manager.locator("script[type='application/json']").count() == 1
    charts = json.loads(manager.locator("#dashboard-data").text_content())
    assert sam.get_full_name() in charts["staff"]["labels"]
    assert all(manager.evaluate("[...document.querySelectorAll('canvas')].map(c => !!c.chart)"))
    visit(
        manager,
        f"/dashboard/staff/{sam.pk}/",
        [sam.get_full_name(), grace.name, leak.summary, ada.name, promise.summary],
    )
    visit(manager, "/reminders/", [sam.get_full_name(), grace.name, failed.last_error])
    # The manager's case page lists every user in the assignee choices.
    visit(manager, f"/complaints/{leak.pk}/", [*case, sam.get_full_name()])
    assert mona.get_full_name() in manager.locator("#id_assignee").text_content()


# 2. Everything typed into the forms, staff's and the public's -----------------------------------


def test_payloads_typed_into_every_form_round_trip_as_text(new_page, roles, inbox, worker):
    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    UserFactory(username="sam", first_name="Sam", last_name="Staff")
    page = _open(new_page)
    log_in(page, "sam")

    typed = {
        "name": f"Ada {SCRIPT}",
        "company": f"{IMG} Engines",
        "email": EMAIL,
        "phone": JS_URL,
        "expectations": f"{TEXTAREA}\n{TEMPLATE}",
        "unmet_wants": f"{SVG} weekend visits",
        "tags_text": f"{SCRIPT}, {SVG}",
    }
    visit(page, "/customers/new/")
    for field, value in typed.items():
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_birthday").fill("1990-12-10")
    page.get_by_role("button", name="Add customer").click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    ada = Customer.objects.get()
    assert ada.name == typed["name"] and ada.email == EMAIL
    assert ada.expectations.replace("\r\n", "\n") == typed["expectations"]
    assert {tag.name for tag in ada.tags.all()} == {SCRIPT, SVG}
    assert_inert(
        page,
        "profile after adding",
        [f"{ada.name} was added.", ada.company, EMAIL, JS_URL, SCRIPT, SVG]
        + lines(typed["expectations"], typed["unmet_wants"]),
    )

    # The edit form shows every value exactly as typed, and saving it unchanged changes nothing.
    visit(page, f"/customers/{ada.pk}/edit/")
    for field, value in typed.items():
        if field != "tags_text":
            shown = page.locator(f"#id_{field}").input_value()
            assert shown.replace("\r\n", "\n") == value, field
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    assert_inert(page, "profile after saving", [f"Changes to {ada.name} were saved."])
    before = ada
    ada = Customer.objects.get(pk=ada.pk)
    unchanged = ("name", "company", "email", "phone", "expectations", "unmet_wants")
    for field in (*unchanged, "customer_since", "birthday"):
        assert getattr(ada, field) == getattr(before, field), field

    log = page.locator("#log")
    log.get_by_label("Kind").select_option("call")
    log.get_by_label("Summary").fill(f"Call {SVG}")
    log.get_by_label("Details").fill(f"{TEXTAREA}\n{IMG}")
    log.get_by_role("button", name="Log it").click()
    page.wait_for_url(f"**/customers/{ada.pk}/**")
    assert_inert(page, "profile after logging", [f"Logged: Call {SVG}.", TEXTAREA, IMG])

    follow_ups = page.locator("#follow-ups")
    follow_ups.locator("details > summary").click()
    follow_ups.locator("#followup_summary").fill(f"Send {SCRIPT} quote")
    follow_ups.get_by_role("button", name="Add follow-up").click()
    page.wait_for_url(f"**/customers/{ada.pk}/**")
    assert_inert(page, "profile after the follow-up", [f"Send {SCRIPT} quote"])

    page.get_by_role("link", name="New complaint").click()
    page.wait_for_url(f"**/customers/{ada.pk}/complaints/new/")
    assert_inert(page, "complaint form", [ada.name, EMAIL])
    page.get_by_label("What went wrong").fill(f"Leak {IMG}")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Details").fill(f"{SCRIPT}\n{TEMPLATE}")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    complaint = Complaint.objects.get()
    assert_inert(page, "case opened", [f"Leak {IMG}", ada.name])

    page.get_by_label("Note").fill(f"Rang {TEXTAREA}")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    assert_inert(page, "case acknowledged", [f"Rang {TEXTAREA}"])
    page.get_by_label("How it was resolved").fill(f"Fixed {SVG}\n{JS_URL}")
    page.get_by_role("button", name="Mark resolved").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    assert_inert(page, "case resolved", [f"Fixed {SVG}", JS_URL, f"Rang {TEXTAREA}"])

    mail = _open(new_page)
    survey_create(customer=ada, reason=Survey.Reason.AFTER_COMPLAINT, complaint=complaint)
    messages = {message["Subject"]: message for message in inbox.wait_for(EMAIL, 3)}
    assert_email_inert(
        mail,
        messages[f"We have your complaint (case #{complaint.pk})"],
        [ada.name, complaint.summary],
    )
    assert_email_inert(
        mail,
        messages[f"Your complaint is resolved (case #{complaint.pk})"],
        [ada.name, complaint.summary, f"Fixed {SVG}", JS_URL],
    )
    invitation = messages["How did we do putting things right?"]
    assert_email_inert(mail, invitation, [ada.name, complaint.summary])
    link = re.search(r"(http://\S+/survey/\S+/)", text_of(invitation)).group(1)

    customer_side = _open(new_page)
    visit(customer_side, link, [ada.name, complaint.summary])
    customer_side.locator("input[name=satisfaction][value='4']").check()
    customer_side.locator("input[name=recommend][value='8']").check()
    customer_side.locator("input[name=considered_switching][value='no']").check()
    customer_side.locator("#id_unmet_want").fill(f"Want {IMG}")
    customer_side.locator("#id_comment").fill(f"{TEXTAREA}\n{TEMPLATE}")
    customer_side.get_by_role("button", name="Send my answers").click()
    customer_side.get_by_text("Thank you for your answers").wait_for()
    assert_inert(customer_side, "survey answered")
    survey = Survey.objects.get()
    assert survey.comment.replace("\r\n", "\n") == f"{TEXTAREA}\n{TEMPLATE}"

    # The public form: one complaint, one question, from people we have not met.
    for name, address, topic, message in (
        (f"Bob {SCRIPT}", "bob@example.com", "A complaint", f"Broken {SVG}\n{TEXTAREA}"),
        (f"Cy {SVG}", "cy@example.com", "A question", f"Price {IMG}\n{TEMPLATE}"),
    ):
        visit(customer_side, "/feedback/")
        customer_side.get_by_label("Your name").fill(name)
        customer_side.get_by_label("Your email address").fill(address)
        customer_side.get_by_label(topic).check()
        customer_side.get_by_label("Your message").fill(message)
        customer_side.get_by_label("Order or invoice reference").fill(JS_URL)
        customer_side.get_by_role("button", name="Send").click()
        customer_side.wait_for_url("**/feedback/thanks/")
        assert_inert(customer_side, f"feedback from {address}")
    bob = Customer.objects.get(email="bob@example.com")
    cy = Customer.objects.get(email="cy@example.com")
    bob_case = Complaint.objects.get(customer=bob)
    assert bob_case.summary == f"Broken {SVG}"
    (bob_ack,) = inbox.wait_for("bob@example.com", 1)
    assert_email_inert(mail, bob_ack, [bob.name, bob_case.summary])
    (cy_ack,) = inbox.wait_for("cy@example.com", 1)
    assert_email_inert(mail, cy_ack, [cy.name, f"Price {IMG}", TEMPLATE, JS_URL])

    # What customers wrote, as staff and managers read it.
    visit(
        page,
        f"/customers/{ada.pk}/",
        [f"Want {IMG}", TEXTAREA, TEMPLATE, f"Leak {IMG}", f"Send {SCRIPT} quote"],
    )
    manager = _open(new_page)
    log_in(manager, "mona")
    visit(
        manager,
        f"/customers/{bob.pk}/",
        [bob.name, bob_case.summary, TEXTAREA, f"Order reference: {JS_URL}"],
    )
    visit(manager, f"/customers/{cy.pk}/", [cy.name, f"A question: Price {IMG}", TEMPLATE])
    visit(manager, "/complaints/", [bob_case.summary, bob.name])
    # Bob has no owner, and his case's events no actor: the history shows both as blanks.
    visit(manager, f"/customers/{bob.pk}/history/", [bob.name, bob_case.summary, TEXTAREA])
    visit(manager, "/dashboard/", [f"Want {IMG}", bob.name])
    visit(manager, f"/customers/{ada.pk}/history/", [f"Call {SVG}", TEXTAREA, f"Rang {TEXTAREA}"])


# 3. A CSV import full of payloads -------------------------------------------------------------


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "company", "email", "phone", "expectations", "tags", "customer_since"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_payloads_in_an_imported_csv_stay_text_in_preview_and_after(new_page, roles, inbox, worker):
    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    existing = customer_create(name=f"Old {SVG}", email="old@example.com")
    new_row = [f"Ada {SCRIPT}", IMG, EMAIL, JS_URL, f"{TEXTAREA}\n{TEMPLATE}", f"{SCRIPT}|{SVG}"]
    duplicate_row = ["Someone else", "", "old@example.com", "", "", ""]
    filename = f"{SVG}.csv"

    page = _open(new_page)
    log_in(page, "mona")
    visit(page, "/customers/import/")
    page.get_by_label("CSV file").set_input_files(
        {
            "name": filename,
            "mimeType": "text/csv",
            "buffer": _csv([[*new_row, SCRIPT], [*duplicate_row, ""]]),
        }
    )
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/customers/import/\d+/$"))
    page.locator(".import-errors li").first.wait_for()
    # The bad date is quoted back in the error, the duplicate's name in the table.
    bad_date = f"'{SCRIPT}' is not a date"
    assert_inert(page, "preview with errors", [filename, bad_date, existing.name])
    assert page.title().startswith(f"Import {filename}")
    assert not Customer.objects.filter(email=EMAIL).exists()

    page.get_by_role("link", name="Upload a fixed file").click()
    page.wait_for_url("**/customers/import/")
    page.get_by_label("CSV file").set_input_files(
        {
            "name": filename,
            "mimeType": "text/csv",
            "buffer": _csv([[*new_row, "2024-03-01"], [*duplicate_row, ""]]),
        }
    )
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/customers/import/\d+/$"))
    page.get_by_role("button", name="Import 1 customer").wait_for()
    assert_inert(page, "clean preview", [filename, existing.name, "old@example.com"])
    page.get_by_role("button", name="Import 1 customer").click()
    page.get_by_text("1 added, 0 updated").wait_for()
    assert_inert(page, "imported", [filename])
    page.goto("/customers/")
    ada = Customer.objects.get(email=EMAIL)
    assert (ada.name, ada.company, ada.phone) == (f"Ada {SCRIPT}", IMG, JS_URL)
    assert_inert(page, "list after the import", [ada.name, IMG, EMAIL, JS_URL, SCRIPT, SVG])

    visit(page, f"/customers/{ada.pk}/", [ada.name, IMG, EMAIL, JS_URL, TEXTAREA, TEMPLATE])
    visit(page, f"/customers/{ada.pk}/audit/", [ada.name])
    visit(page, f"/customers/{ada.pk}/edit/")
    assert page.locator("#id_expectations").input_value() == f"{TEXTAREA}\n{TEMPLATE}"
