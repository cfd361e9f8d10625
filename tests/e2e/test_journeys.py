"""The journeys, each proven in a real browser (see conftest.py for the per-page checks)."""

import datetime
import re
import smtplib
import threading
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import dateformat, timezone

from customers import imports
from customers.models import Customer, CustomerImport
from inbound.models import InboundMessage
from inbound.smtp import receiver
from interactions import tasks
from interactions.complaints.services import complaint_transition
from interactions.follow_ups.services import followup_create, followup_done
from interactions.models import Complaint, ComplaintEvent, Interaction, Reminder
from interactions.reminders.planning import plan_reminders
from interactions.services import interaction_log
from tests.factories import PASSWORD, CustomerFactory, UserFactory
from tests.interactions.factories import InteractionFactory
from tests.real_services import free_port
from voice.models import Survey
from voice.surveys import plan_surveys

from .conftest import BROWSER_MARKS, SCREENSHOTS, check_page, eventually, log_in, text_of, visit

pytestmark = BROWSER_MARKS


def _date(value, fmt):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return dateformat.format(value, fmt)


# 1. Staff: a check-in that fell due -------------------------------------------------------------


def test_staff_log_the_check_in_that_fell_due(page, roles, inbox, worker):
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    today = timezone.localdate()
    ada = CustomerFactory(
        name="Ada Lovelace",
        owner=sam,
        # Not on a customer-since anniversary, so the only reminder is the check-in.
        customer_since=today - datetime.timedelta(days=200),
        next_checkin_due=today - datetime.timedelta(days=2),
        last_contact_at=timezone.now() - datetime.timedelta(days=62),
    )
    # Not due: stays off My day.
    CustomerFactory(
        name="Grace Hopper", owner=sam, next_checkin_due=today + datetime.timedelta(days=30)
    )

    # The reminder goes: the worker plans it and emails Sam's digest.
    tasks.send_digests.delay()
    (digest,) = inbox.wait_for("sam@example.com", 1)
    assert "Ada Lovelace" in text_of(digest)
    # The message reaches the SMTP server a moment before the worker commits "sent".
    reminder = eventually(
        lambda: Reminder.objects.filter(
            kind=Reminder.Kind.CHECK_IN, customer=ada, state=Reminder.State.SENT
        ).first(),
        "the check-in reminder to be marked sent",
    )

    log_in(page, "sam", PASSWORD, "1-staff-checkin-01")  # lands on My day
    checkins = page.locator("section[aria-labelledby=checkins-heading]")
    assert "Grace Hopper" not in checkins.inner_text()
    # Ada shows once: in the check-ins card, with her reminder's actions, not again as a reminder.
    assert page.locator("main").get_by_role("link", name="Ada Lovelace").count() == 1
    assert checkins.get_by_text("Checked in").is_visible()
    checkins.get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    check_page(page, "1-staff-checkin-02-profile-due")
    keep_in_touch = page.locator("section[aria-labelledby=checkin-heading]")
    assert "overdue" in keep_in_touch.inner_text()

    log = page.locator("#log")
    log.get_by_label("Kind").select_option("check_in")
    # Sent without a summary: the cursor lands in the field to correct.
    log.get_by_label("Summary").evaluate("field => field.removeAttribute('required')")
    log.get_by_role("button", name="Log it").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.name") == "summary"
    page.get_by_label("Kind").select_option("check_in")
    page.get_by_label("Summary").fill("Quarterly check-in: all well, wants a catalogue")
    page.get_by_role("button", name="Log it").click()
    page.wait_for_url(f"**/customers/{ada.pk}/#timeline")
    page.wait_for_function("document.activeElement.classList.contains('alert')")
    # The confirmation is where the page came back to, in view, not far above it (measured
    # before check_page resizes the window for axe, which moves the scroll position).
    notice = page.locator("main .alert").first
    assert page.locator("#timeline").evaluate(
        "timeline => timeline.previousElementSibling.classList.contains('alert')"
    )
    # Bootstrap scrolls smoothly, so the confirmation comes into view over a moment.
    page.wait_for_function(
        "() => { const box = document.querySelector('main .alert').getBoundingClientRect();"
        " return box.top >= 0 && box.bottom <= innerHeight; }"
    )
    box, height = notice.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] < height, f"the confirmation is at {box['y']} px, the view {height} px"
    check_page(page, "1-staff-checkin-03-logged")

    ada.refresh_from_db()
    assert ada.next_checkin_due > today
    assert _date(ada.next_checkin_due, "l j F Y") in keep_in_touch.inner_text()
    assert "overdue" not in keep_in_touch.inner_text()
    assert "Quarterly check-in" in page.locator("body").inner_text()
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.DONE

    visit(page, "/", "1-staff-checkin-04-my-day-clear")
    assert "Ada Lovelace" not in page.locator("main").inner_text()


# 2. Staff: a high-severity complaint, from opening to resolution ------------------------------


def test_staff_work_a_high_severity_complaint_to_resolution(page, roles, inbox, worker):
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    ada = CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=sam)

    log_in(page, "sam", PASSWORD, "2-complaint-01")
    visit(page, f"/customers/{ada.pk}/", "2-complaint-02-profile")
    page.get_by_role("link", name="New complaint").click()
    page.wait_for_url(f"**/customers/{ada.pk}/complaints/new/")
    check_page(page, "2-complaint-03-form")
    page.get_by_label("What went wrong").fill("The boiler still leaks after the service")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Details").fill("Water on the kitchen floor again this morning.")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    check_page(page, "2-complaint-04-case")

    complaint = Complaint.objects.get(customer=ada)
    assert complaint.severity == "high"
    (ack,) = inbox.wait_for("ada@example.com", 1)
    assert ack["Subject"] == f"We have your complaint (case #{complaint.pk})"

    visit(page, "/complaints/", "2-complaint-05-queue")
    row = page.locator("tr", has_text=f"#{complaint.pk} The boiler still leaks")
    assert "High" in row.inner_text()
    assert f"Resolve by {_date(complaint.resolve_by, 'j M, H:i')}" in row.inner_text()
    assert row.locator(".badge", has_text="On track").count() == 1
    row.get_by_role("link", name=f"#{complaint.pk}").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    check_page(page, "2-complaint-06-case-again")
    targets = page.locator("section[aria-labelledby=targets-heading]").inner_text()
    assert _date(complaint.respond_by, "l j M, H:i") in targets
    assert _date(complaint.resolve_by, "l j M, H:i") in targets

    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    check_page(page, "2-complaint-07-acknowledged")
    complaint.refresh_from_db()
    assert complaint.status == "acknowledged" and complaint.first_response_at

    page.get_by_label("Remedy offered").select_option("repair")
    page.get_by_label("Did the customer accept it?").select_option("true")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    check_page(page, "2-complaint-08-remedy")
    assert "Repair · accepted" in page.locator("main").inner_text()

    page.get_by_label("How it was resolved").fill("Replaced the valve; dry for a week now.")
    page.get_by_role("button", name="Mark resolved").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    check_page(page, "2-complaint-09-resolved")
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert complaint.remedy == "repair" and complaint.remedy_accepted is True

    ack, notice = inbox.wait_for("ada@example.com", 2)
    assert notice["Subject"] == f"Your complaint is resolved (case #{complaint.pk})"
    assert "Replaced the valve; dry for a week now." in text_of(notice)


# 3. Manager: the dashboard, a staff member, a history, a reassignment ----------------------------


def test_manager_dashboard_drill_down_history_and_reassign(page, roles, inbox, worker):
    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    olive = UserFactory(username="olive", first_name="Olive", last_name="Other")
    today = timezone.localdate()
    ada = CustomerFactory(name="Ada Lovelace", owner=sam)
    CustomerFactory(
        name="Charles Babbage", owner=sam, next_checkin_due=today - datetime.timedelta(days=3)
    )
    CustomerFactory(name="Grace Hopper", owner=olive, next_checkin_due=today)
    for days_ago, outcome in ((1, "exceeded"), (9, "fell_short"), (16, "met")):
        interaction_log(
            customer=ada,
            author=sam,
            kind=Interaction.Kind.CALL,
            summary=f"Call {days_ago} days ago",
            outcome=outcome,
            occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        )

    log_in(page, "mona", PASSWORD, "3-manager-01")
    visit(page, "/dashboard/", "3-manager-02-dashboard")
    charts = page.evaluate(
        """() => [...document.querySelectorAll("canvas")].map((canvas) => ({
            id: canvas.id, chart: Boolean(canvas.chart), width: canvas.width,
            height: canvas.height,
        }))"""
    )
    assert {c["id"] for c in charts} == {
        "chart-staff",
        "chart-complaints",
        "chart-times",
        "chart-quality",
        "chart-nps",
        "chart-kinds",
    }
    assert all(c["chart"] and c["width"] and c["height"] for c in charts), charts

    page.get_by_role("link", name="Sam Staff").first.click()
    page.wait_for_url(f"**/dashboard/staff/{sam.pk}/**")
    check_page(page, "3-manager-03-staff-member")
    assert "Overdue check-ins (1)" in page.locator("main").inner_text()
    assert "Charles Babbage" in page.locator("main").inner_text()

    visit(page, f"/customers/{ada.pk}/history/", "3-manager-04-history")
    assert "Call 9 days ago" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Print").is_visible()

    visit(page, f"/customers/{ada.pk}/", "3-manager-05-profile")
    reassign = page.locator("section[aria-labelledby=reassign-heading]")
    reassign.get_by_label("New owner").select_option(str(olive.pk))
    reassign.get_by_role("button", name="Reassign").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    check_page(page, "3-manager-06-reassigned")
    details = page.locator("section[aria-labelledby=facts-heading]").inner_text()
    assert "Olive Other" in details
    assert Customer.objects.get(pk=ada.pk).owner == olive


# 4. Customer: a complaint on the public form, a survey, a new loyalty score ------------------


def _loyalty_on_profile(page, customer, shot):
    visit(page, f"/customers/{customer.pk}/", shot)
    heading = page.locator("#loyalty-heading").inner_text()
    return int(re.search(r"(\d+)\s*/ 100", heading).group(1))


def test_customer_complains_answers_the_survey_and_loyalty_moves(
    page, new_page, roles, inbox, worker, settings
):
    settings.SURVEY_DAYS_AFTER_RESOLUTION = 0
    mona = UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")

    visit(page, "/feedback/", "4-customer-01-feedback")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_label("Complaint").check()
    page.get_by_label("Your message").fill("The engineer left the boiler leaking.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/feedback/thanks/")
    check_page(page, "4-customer-02-thanks")

    complaint = Complaint.objects.get()
    ada = complaint.customer
    (ack,) = inbox.wait_for("ada@example.com", 1)
    assert ack["Subject"] == f"We have your complaint (case #{complaint.pk})"

    # Staff put it right (the service, as the case page would), and the survey goes.
    complaint_transition(
        complaint, to_status="resolved", actor=mona, resolution_summary="Repaired the valve."
    )
    complaint.refresh_from_db()
    inbox.wait_for("ada@example.com", 2)
    eventually(
        lambda: Customer.objects.filter(
            pk=ada.pk, loyalty_computed_at__gt=complaint.resolved_at
        ).first(),
        "the loyalty score after the resolution",
    )
    manager = new_page()
    log_in(manager, "mona", PASSWORD, "4-customer-03-manager")
    ada.refresh_from_db()
    before = _loyalty_on_profile(manager, ada, "4-customer-04-loyalty-before")
    assert before == ada.loyalty_score

    assert plan_surveys() == 1
    invitation = inbox.wait_for("ada@example.com", 3)[2]
    link = re.search(r"(http://\S+/survey/\S+/)", text_of(invitation)).group(1)
    assert link.startswith(settings.SITE_URL)

    visit(page, link, "4-customer-05-survey")
    page.locator("input[name=satisfaction][value='5']").check()
    page.locator("input[name=recommend][value='10']").check()
    page.locator("input[name=considered_switching][value='no']").check()
    page.get_by_label("Is there anything you wish we offered?").fill("Weekend appointments")
    page.get_by_role("button", name=re.compile("Send|Submit")).click()
    page.get_by_text("Thank you for your answers").wait_for()
    check_page(page, "4-customer-06-survey-thanks")

    survey = Survey.objects.get()
    assert survey.answered_at
    eventually(
        lambda: Customer.objects.filter(
            pk=ada.pk, loyalty_computed_at__gt=survey.answered_at
        ).first(),
        "the loyalty score after the survey",
    )
    ada.refresh_from_db()
    after = _loyalty_on_profile(manager, ada, "4-customer-07-loyalty-after")
    assert after == ada.loyalty_score
    assert after != before
    assert "Would recommend us 10 out of 10." in manager.locator("main").inner_text()


# 5. Manager: a CSV import with a bad row, fixed and imported -------------------------------


def test_manager_import_a_csv_fix_its_bad_row_and_import(page, roles, inbox, worker, tmp_path):
    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    UserFactory(username="sam", first_name="Sam", last_name="Staff")
    header = "name,company,email,owner,customer_since,tags\n"
    good = (
        "Ada Lovelace,Analytical Engines,ada@example.com,sam,2024-03-01,vip\n"
        "Grace Hopper,Navy,grace@example.com,sam,2023-11-15,\n"
    )
    broken = tmp_path / "customers.csv"
    broken.write_text(header + good + "Alan Turing,Bletchley,alan@example.com,sam,31/02/2024,\n")
    fixed = tmp_path / "customers-fixed.csv"
    fixed.write_text(header + good + "Alan Turing,Bletchley,alan@example.com,sam,2024-02-29,\n")

    log_in(page, "mona", PASSWORD, "5-import-01")
    visit(page, "/customers/import/", "5-import-02-upload")
    page.get_by_label("CSV file").set_input_files(str(broken))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/customers/import/\d+/$"))
    # The worker checks the file; the page loads again when it is done.
    page.get_by_role("heading", name="1 problem to fix").wait_for()
    check_page(page, "5-import-03-preview-errors")
    errors = page.locator(".import-errors li")
    assert errors.count() == 1
    assert "4" in errors.first.inner_text() and "customer_since" in errors.first.inner_text()
    assert page.get_by_role("button", name=re.compile("^Import")).count() == 0
    assert not Customer.objects.exists()

    page.get_by_role("link", name="Upload a fixed file").click()
    page.wait_for_url("**/customers/import/")
    check_page(page, "5-import-04-upload-again")
    page.get_by_label("CSV file").set_input_files(str(fixed))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/customers/import/\d+/$"))
    page.get_by_role("button", name="Import 3 customers").wait_for()
    check_page(page, "5-import-05-preview-clean")
    assert page.locator(".import-errors").count() == 0
    page.get_by_role("button", name="Import 3 customers").click()
    page.get_by_text("3 added, 0 updated, 0 existing left as they were.").wait_for()
    check_page(page, "5-import-06-imported")

    visit(page, "/customers/", "5-import-07-list")
    listing = page.locator("main").inner_text()
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        assert name in listing
    assert Customer.objects.count() == 3


def test_a_big_import_runs_in_the_worker_while_its_page_shows_how_far_it_has_got(
    page, roles, inbox, worker, monkeypatch, tmp_path
):
    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    rows = 1500
    big = tmp_path / "big.csv"
    big.write_text("name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(rows)))
    # The worker is held a fifth of the way through each step until the page has been looked at.
    monkeypatch.setattr(imports.preview, "CHUNK_SIZE", 100)
    gates = {"checking": threading.Event(), "importing": threading.Event()}
    report = imports.jobs.Progress.__call__

    def report_and_wait(progress, rows_done):
        report(progress, rows_done)
        if rows_done == rows // 5:
            state = CustomerImport.objects.values_list("state", flat=True).get(
                pk=progress.import_id
            )
            assert gates[state].wait(timeout=60)

    monkeypatch.setattr(imports.jobs.Progress, "__call__", report_and_wait)

    def bar_shows(percent):
        page.wait_for_function(
            "(percent) => document.querySelector('progress.import-bar')?.value === percent",
            arg=percent,
        )

    log_in(page, "mona", PASSWORD, "5b-big-import-01")
    visit(page, "/customers/import/", "5b-big-import-02-upload")
    page.get_by_label("CSV file").set_input_files(str(big))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/customers/import/\d+/$"))
    page.get_by_role("progressbar", name="Checking the file…").wait_for()
    bar_shows(20)
    assert page.get_by_text(f"{rows // 5} of about {rows} rows read").is_visible()
    check_page(page, "5b-big-import-03-checking")
    gates["checking"].set()

    page.get_by_role("button", name=f"Import {rows} customers").click()
    page.get_by_role("progressbar", name="Importing…").wait_for()
    bar_shows(20)
    assert page.get_by_text(f"{rows // 5} of {rows} rows imported").is_visible()
    check_page(page, "5b-big-import-04-importing")
    assert not Customer.objects.exists()  # all at once, at the end

    # The manager leaves, the import goes on, and the import page finds it again.
    visit(page, "/customers/", "5b-big-import-05-elsewhere")
    gates["importing"].set()
    visit(page, "/customers/import/", "5b-big-import-06-recent")
    page.get_by_role("link", name="big.csv").click()
    page.get_by_text(f"{rows} added, 0 updated, 0 existing left as they were.").wait_for()
    check_page(page, "5b-big-import-07-imported")
    assert Customer.objects.count() == rows


# 6. Manager: reassigning in bulk names who and how many, and never unassigns by default ------


def test_manager_reassigns_ticked_customers_only_after_choosing_and_confirming(page, roles):
    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    olive = UserFactory(username="olive", first_name="Olive", last_name="Other")
    for name in ("Ada Lovelace", "Grace Hopper", "Hedy Lamarr"):
        CustomerFactory(name=name, owner=sam)

    log_in(page, "mona", PASSWORD, "6-reassign-01")
    visit(page, "/customers/", "6-reassign-02-list")
    page.get_by_role("checkbox", name="Select Ada Lovelace").check()
    page.get_by_role("checkbox", name="Select Grace Hopper").check()

    # Its label names the reassign select, and clicking it submits nothing.
    page.get_by_text("Reassign selected to").click()
    assert page.evaluate("document.activeElement.id") == "reassign-owner"
    assert page.get_by_role("checkbox", name="Select Ada Lovelace").is_checked()

    # Without a choice the browser asks for one, and nobody is unassigned.
    dialogs, answers = [], iter([False, True])  # the first question dismissed, then accepted

    def answer(dialog):
        dialogs.append(dialog.message)
        if next(answers):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("button", name="Reassign", exact=True).click()
    assert dialogs == []
    assert page.evaluate("document.getElementById('reassign-owner').validity.valueMissing")
    assert set(Customer.objects.values_list("owner", flat=True)) == {sam.pk}

    # Chosen: the question names how many go to whom; dismissed, nothing moves.
    page.get_by_label("Reassign selected to").select_option(str(olive.pk))
    page.get_by_role("button", name="Reassign", exact=True).click()
    assert dialogs == ["Reassign 2 customers to Olive Other?"]
    assert set(Customer.objects.values_list("owner", flat=True)) == {sam.pk}

    page.get_by_role("button", name="Reassign", exact=True).click()
    page.wait_for_url("**/customers/")
    check_page(page, "6-reassign-03-done")
    assert "2 customers now belong to Olive Other." in page.locator("main").inner_text()
    owners = dict(Customer.objects.values_list("name", "owner"))
    assert owners == {"Ada Lovelace": olive.pk, "Grace Hopper": olive.pk, "Hedy Lamarr": sam.pk}
    assert len(dialogs) == 2


# 7. Staff on a phone: a caller rings --------------------------------------------------------------


def test_staff_on_a_phone_reach_a_callers_key_facts_and_are_refused_clearly(page, roles):
    UserFactory(username="sam", first_name="Sam", last_name="Staff")
    olive = UserFactory(username="olive", first_name="Olive", last_name="Other")
    today = timezone.localdate()
    ada = CustomerFactory(
        name="Ada Lovelace",
        owner=olive,
        phone="+44 7700 900015",
        next_checkin_due=today + datetime.timedelta(days=9),
    )
    for number in range(25):  # a timeline long enough to bury what sits below it
        InteractionFactory(customer=ada, author=olive, summary=f"Routine call number {number}")
    promised = {"customer": ada, "assignee": olive, "created_by": olive, "promised": True}
    kept = followup_create(
        summary="Send the revised quote", due_on=today + datetime.timedelta(days=1), **promised
    )
    followup_done(kept)
    followup_create(
        summary="Ring back about the boiler", due_on=today + datetime.timedelta(days=2), **promised
    )

    log_in(page, "sam", PASSWORD, "7-phone-01")
    visit(page, "/customers/", "7-phone-02-list")
    # The list shows the number to ring at 375 px, as a link that dials it.
    number = page.locator("main").get_by_role("link", name="+44 7700 900015")
    assert number.is_visible()
    assert number.get_attribute("href") == "tel:+447700900015"

    page.get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    check_page(page, "7-phone-03-profile")  # axe here sees "done on time" on the yellow row
    main = page.locator("main")
    phone = main.get_by_role("link", name="+44 7700 900015")
    promise = main.locator("#follow-ups").get_by_text("Ring back about the boiler")
    check_in = main.get_by_text(_date(ada.next_checkin_due, "l j F Y"))
    timeline = main.locator("#timeline")
    assert main.get_by_text("done on time").is_visible()
    # On the phone the number, the next check-in and the open promise come before the timeline,
    # the number within the first screen.
    assert phone.bounding_box()["y"] < page.viewport_size["height"]
    for fact in (phone, check_in, promise):
        assert fact.bounding_box()["y"] < timeline.bounding_box()["y"]
    # On a desktop they head the right-hand column beside it.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "7-phone-03-profile-desktop.png"))
    assert (
        phone.bounding_box()["x"] > timeline.bounding_box()["x"] + timeline.bounding_box()["width"]
    )
    assert phone.bounding_box()["y"] < page.viewport_size["height"]
    page.set_viewport_size({"width": 375, "height": 800})

    # Logging now, the keyboard goes from the channel to the summary through one stop for "when".
    log = main.locator("#log")
    log.get_by_label("Channel").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("When: now")
    page.keyboard.press("Tab")
    assert log.get_by_label("Summary").evaluate("field => field === document.activeElement")
    when = log.get_by_label(re.compile(r"^When\*$"))
    assert when.count() == 1 and not when.is_visible()
    log.get_by_text("When: now").click()
    assert when.is_visible() and when.input_value().startswith(_date(today, "Y-m-d"))

    # Sam does not own Ada: no Edit button, and the address typed by hand is refused clearly.
    assert main.get_by_role("link", name="Edit", exact=True).count() == 0
    visit(page, f"/customers/{ada.pk}/edit/", "7-phone-04-refused", expected_statuses=(403,))
    assert "You can't open this page" in main.inner_text()
    page.get_by_role("link", name="Back to the customers").click()
    page.wait_for_url("**/customers/")
    check_page(page, "7-phone-05-back")

    visit(page, "/customers/999999/", "7-phone-06-missing", expected_statuses=(404,))
    assert "There is nothing here" in main.inner_text()
    page.get_by_role("link", name="Find a customer").click()
    page.wait_for_url("**/customers/")


# Item: My day lists each thing once, tells names apart, and shows promises coming up -----------


def test_staff_see_each_thing_due_once_and_check_in_from_my_day(page, roles):
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    quiet = {"owner": sam, "customer_since": today - 200 * day}
    bakery = CustomerFactory(
        name="Jo Bloggs", company="Bloggs Bakery", next_checkin_due=today, **quiet
    )
    jo = CustomerFactory(name="Jo Bloggs", company="", email="jo@home.example", **quiet)
    followup_create(
        customer=jo, assignee=sam, created_by=sam, summary="Send the brochure", due_on=today
    )
    sue = CustomerFactory(name="Sue Snooze", next_checkin_due=today - day, **quiet)
    pat = CustomerFactory(name="Pat Promise", **quiet)
    followup_create(
        customer=pat,
        assignee=sam,
        created_by=sam,
        summary="Fit the new hinge",
        due_on=today + 2 * day,
        promised=True,
    )
    plan_reminders()

    log_in(page, "sam", PASSWORD, "8-my-day-01")
    main = page.locator("main")
    card = {
        key: main.locator(f"section[aria-labelledby={key}-heading]")
        for key in ("reminders", "checkins", "follow-ups", "promises")
    }
    # Each customer once per thing due; the two Jo Bloggs told apart by company and by email.
    assert main.get_by_role("link", name="Sue Snooze").count() == 1
    assert "Jo Bloggs" not in card["reminders"].inner_text()
    assert "Bloggs Bakery" in card["checkins"].inner_text()
    assert "jo@home.example" in card["follow-ups"].inner_text()
    # The promise due in two days has its own list before it falls due.
    promises = card["promises"].inner_text()
    assert "Pat Promise" in promises and "Fit the new hinge" in promises
    assert _date(today + 2 * day, "D j M") in promises

    # "Checked in" asks first, and keeps what was said.
    row = card["checkins"].locator("li", has_text="Bloggs Bakery")
    row.locator("summary", has_text="Checked in").click()
    row.get_by_label("What did you talk about? (optional)").fill("Wants bread for the fair")
    check_page(page, "8-my-day-02-check-in-asks")
    row.get_by_role("button", name="Log the check-in").click()
    page.wait_for_load_state()
    assert "Check-in with Jo Bloggs logged." in main.locator(".alert").first.inner_text()
    check_page(page, "8-my-day-03-checked-in")
    assert "Bloggs Bakery" not in card["checkins"].inner_text()
    logged = Interaction.objects.get(customer=bakery)
    assert (logged.kind, logged.summary) == (Interaction.Kind.CHECK_IN, "Wants bread for the fair")

    # Snoozing Sue's check-in takes her off My day altogether, not only off one card.
    row = card["checkins"].locator("li", has_text="Sue Snooze")
    row.locator("summary", has_text="Snooze").click()
    row.get_by_label("A week").check()
    row.get_by_role("button", name="Snooze").click()
    page.wait_for_load_state()
    assert main.get_by_role("link", name="Sue Snooze").count() == 0
    sue_reminder = Reminder.objects.get(kind=Reminder.Kind.CHECK_IN, object_id=sue.pk)
    assert sue_reminder.snoozed_until == today + 7 * day


# 9. Customer: a reply to the acknowledgement reaches the case and its assignee ------------------


def _reply_to(ack, *, sender, text):
    """The customer's reply to ``ack``, as a mail program writes one: to its Reply-To, threaded
    on its Message-ID, a new line on top of the quoted history."""
    reply = EmailMessage()
    reply["From"], reply["To"] = sender, ack["Reply-To"]
    reply["Subject"] = f"Re: {ack['Subject']}"
    reply["Date"] = format_datetime(timezone.now())
    reply["Message-ID"] = make_msgid(domain="mail.example.com")
    reply["In-Reply-To"] = reply["References"] = ack["Message-ID"]
    quoted = "\n".join(f"> {line}".rstrip() for line in text_of(ack).splitlines())
    reply.set_content(f"{text}\n\nOn {ack['Date']}, {ack['From']} wrote:\n{quoted}\n")
    return reply


def test_customer_replies_to_the_acknowledgement_and_the_assignee_sees_it_on_the_case(
    page, roles, inbox, worker
):
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    # Already a customer of Sam's: a complaint from the form goes to the customer's owner.
    ada = CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=sam)

    visit(page, "/feedback/", "9-reply-01-feedback")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_label("Complaint").check()
    page.get_by_label("Your message").fill("The engineer left the boiler leaking.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/feedback/thanks/")
    check_page(page, "9-reply-02-thanks")

    complaint = Complaint.objects.get(customer=ada)
    assert complaint.assignee == sam
    (ack,) = inbox.wait_for("ada@example.com", 1)
    assert ack["Subject"] == f"We have your complaint (case #{complaint.pk})"
    assert ack["Reply-To"].startswith("reply+") and ack["Message-ID"]

    # Ada answers from her mail program; it reaches the inbound receiver, which stores it and
    # queues it for the worker.
    said = "The leak is back this morning, and worse than before."
    reply = _reply_to(ack, sender="Ada Lovelace <ada@example.com>", text=said)
    smtp = receiver(host="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with smtplib.SMTP(smtp.hostname, smtp.port) as client:
            assert client.send_message(reply) == {}
    finally:
        smtp.stop()
    eventually(
        lambda: InboundMessage.objects.filter(
            dedupe_key=reply["Message-ID"], state=InboundMessage.State.FILED
        ).exists(),
        "the worker to file the reply",
    )
    event = ComplaintEvent.objects.get(complaint=complaint, kind=ComplaintEvent.Kind.REPLY)
    assert event.note == said
    reminder = Reminder.objects.get(kind=Reminder.Kind.COMPLAINT_REPLY, object_id=complaint.pk)
    assert (reminder.recipient, reminder.state) == (sam, Reminder.State.PENDING)

    log_in(page, "sam", PASSWORD, "9-reply-03-assignee")  # lands on My day
    reminders = page.locator("section[aria-labelledby=reminders-heading]")
    item = reminders.locator("li", has_text="Customer replied")
    assert item.count() == 1
    assert "Ada Lovelace" in item.inner_text()
    case_link = item.get_by_role("link", name=f"Case #{complaint.pk}")
    assert case_link.get_attribute("href") == f"/complaints/{complaint.pk}/"
    case_link.click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    check_page(page, "9-reply-04-case")

    happened = page.locator("section[aria-labelledby=events-heading]")
    replied = happened.locator(f"#event-{event.pk}")
    assert "Customer replied" in replied.inner_text()
    assert replied.get_by_text(said).is_visible()
    # The new words only: none of the quoted acknowledgement.
    assert "Thank you for telling us" not in happened.inner_text()
    assert " wrote:" not in happened.inner_text()


# 10. Manager: tell the customers who asked for Saturday opening ---------------------------------


def test_manager_announces_saturday_opening_to_those_who_asked(page, roles, inbox, worker):
    UserFactory(
        username="mona",
        first_name="Mona",
        last_name="Manager",
        role="Manager",
        email="mona@ourshop.example",
    )
    agreed = {"marketing_consent_at": timezone.now()}
    ada = CustomerFactory(
        name="Ada Lovelace", email="ada@example.com", unmet_wants="Open on Saturdays!", **agreed
    )
    CustomerFactory(name="Bo Brummell", unmet_wants="Could you open on a Saturday?", **agreed)
    CustomerFactory(name="Cy Twombly", unmet_wants="Cheaper parking", **agreed)
    CustomerFactory(name="Di Fossey", unmet_wants="Saturday opening")  # never agreed to news

    log_in(page, "mona", PASSWORD, "10-announce-01")
    visit(page, "/announcements/", "10-announce-02-list")
    page.get_by_role("link", name="New announcement").click()
    page.wait_for_url("**/announcements/new/")
    check_page(page, "10-announce-03-compose")
    page.get_by_label("Subject").fill("Now open on Saturdays")
    page.get_by_role("textbox", name="Message").fill("From this week, **9 to 5** on Saturdays.")
    page.get_by_label("Marketing").check()
    page.get_by_label("Unmet wants mention").fill("Saturday opening")
    page.get_by_label("Only customers whose wishes match").check()
    page.get_by_role("button", name="Save and preview").click()
    page.wait_for_url(re.compile(r".*/announcements/\d+/$"))
    check_page(page, "10-announce-04-preview")

    main = page.locator("main")
    assert "Goes to 2 customers" in main.inner_text()
    assert "no marketing consent" in main.inner_text()  # Di asked, but never agreed to news
    wishes = page.locator("#matched-wishes").inner_text()
    assert "Ada Lovelace: Open on Saturdays!" in wishes  # in a <q>, quoted by the browser
    assert "Bo Brummell" in wishes and "Cy Twombly" not in wishes

    page.get_by_role("button", name="Send me a test").click()
    page.wait_for_url(re.compile(r".*/announcements/\d+/$"))
    (test,) = inbox.wait_for("mona@ourshop.example", 1)
    assert test["Subject"] == "[Test] Now open on Saturdays"

    page.get_by_role("button", name="Send to 2 customers").click()
    page.wait_for_url(re.compile(r".*/announcements/\d+/$"))
    check_page(page, "10-announce-05-sending")
    inbox.wait_for("ada@example.com", 1)
    # The bar follows the worker without the page being loaded again.
    page.wait_for_function("() => document.querySelector('progress')?.value === 100")
    assert "2 sent, 0 failed, 0 still to go" in main.inner_text()
    check_page(page, "10-announce-06-sent")

    visit(page, f"/customers/{ada.pk}/", "10-announce-07-timeline")
    entry = page.locator(".timeline-entry", has_text="Announcement sent")
    assert "Now open on Saturdays" in entry.inner_text()
    assert "Open on Saturdays!" in entry.inner_text()


# 11. Customer: follow the complaint on its own page, and accept the remedy there ---------------


def _case_link(message) -> str:
    return re.search(r"(http://\S+/case/[\w-]+/)", text_of(message)).group(1)


def _press_tab_until(page, name, presses=60):
    """Move the focus with the Tab key alone until it is on the control called ``name``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText.trim()") == name:
            return
    raise AssertionError(f"the Tab key never reached {name!r}")


def test_customer_follows_the_case_on_its_page_and_accepts_the_remedy(
    page, new_page, roles, inbox, worker
):
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    ada = CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=sam)

    visit(page, "/feedback/", "11-case-01-feedback")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_label("Complaint").check()
    page.get_by_label("Your message").fill("The engineer left the boiler leaking.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/feedback/thanks/")

    complaint = Complaint.objects.get(customer=ada)
    (ack,) = inbox.wait_for("ada@example.com", 1)
    visit(page, _case_link(ack), "11-case-02-case-page")
    seen = page.locator("main").inner_text()
    assert "Sam is handling it." in seen
    assert f"We promised a first reply by {_date(complaint.respond_by, 'D j M, H:i')}." in seen
    assert "The engineer left the boiler leaking." in seen
    assert "Sam Staff" not in seen and "sam@" not in seen

    # Sam sees that she looked, offers a refund, and tells her with the message written for it.
    staff = new_page()
    log_in(staff, "sam", PASSWORD, "11-case-03-staff")
    visit(staff, f"/complaints/{complaint.pk}/", "11-case-04-staff-case")
    assert "Seen by the customer" in staff.locator("main").inner_text()
    staff.get_by_label("Remedy offered").select_option("refund")
    staff.get_by_role("button", name="Save").click()
    staff.get_by_text(f"Case #{complaint.pk} was updated.").wait_for()
    message = staff.get_by_label("Message to the customer")
    assert "we would like to offer you: Refund" in message.input_value()
    staff.get_by_role("button", name="Email it to the customer").click()
    staff.get_by_text("Your message is on its way to the customer.").wait_for()
    check_page(staff, "11-case-05-staff-told")

    # Ada opens the new email's link and accepts, with the keyboard alone.
    update = inbox.wait_for("ada@example.com", 2)[1]
    assert update["Subject"] == f"News about your case #{complaint.pk}"
    visit(page, _case_link(update), "11-case-06-offer")
    assert "We offer you: Refund" in page.locator("main").inner_text()
    _press_tab_until(page, "Yes, I accept")
    page.keyboard.press("Enter")
    page.get_by_text("you accepted what we offered").wait_for()
    check_page(page, "11-case-07-accepted")
    complaint.refresh_from_db()
    assert complaint.remedy_accepted is True

    staff.reload()
    check_page(staff, "11-case-08-staff-sees")
    happened = staff.locator("section[aria-labelledby=events-heading]").inner_text()
    assert "Remedy accepted by the customer: Refund" in happened
    facts = staff.locator("section[aria-labelledby=facts-heading]").inner_text()
    assert "Refund · accepted" in facts
    assert "Seen by the customer" in facts


# 12. Manager: what is changing, from the dashboard's trend cards to /insights/ -----------------


def test_manager_sees_a_rising_theme_a_cause_and_a_fall_in_mood(page, new_page, roles):
    from insights.computing import insights_compute
    from tests.voice.factories import FeedbackSubmissionFactory

    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    now = timezone.now()
    askers = [CustomerFactory(name=f"Evening Asker {n}", owner=sam) for n in range(6)]
    for n, customer in enumerate(askers):
        FeedbackSubmissionFactory(
            customer=customer,
            message="Could you open in the evenings?" if n % 2 else "Evening slots, please.",
            created_at=now - datetime.timedelta(days=n % 4 + 1),
        )
    fran = CustomerFactory(name="Fran Fallen", owner=sam)
    for days_ago, mood in ((40, 5), (25, 4), (10, 5)):
        interaction_log(
            customer=fran,
            author=sam,
            kind=Interaction.Kind.CALL,
            summary="A friendly call",
            mood=mood,
            occurred_at=now - datetime.timedelta(days=days_ago),
        )

    # Sam logs today's call with Fran, and how she felt, in one tap.
    log_in(page, "sam", PASSWORD, "12-trends-01-staff")
    visit(page, f"/customers/{fran.pk}/log/", "12-trends-02-log")
    page.get_by_label("Summary").fill("Furious about the second bill")
    page.locator("label", has_text="Angry").click()
    page.get_by_role("button", name=re.compile("Log it|Save")).click()
    page.wait_for_url(f"**/customers/{fran.pk}/**")
    check_page(page, "12-trends-03-profile")
    assert "Felt: Angry" in page.locator("main").inner_text()
    assert "How they felt lately" in page.locator("main").inner_text()

    insights_compute()
    manager = new_page()
    log_in(manager, "mona", PASSWORD, "12-trends-04-manager")
    visit(manager, "/dashboard/", "12-trends-05-dashboard")
    rising = manager.locator("section[aria-labelledby=rising-h]").inner_text()
    assert "6 mentions this week" in rising
    assert "Evening Asker 0" in rising
    at_risk = manager.locator("section[aria-labelledby=risk-h]").inner_text()
    assert "Fran Fallen" in at_risk and "mood fell" in at_risk

    manager.get_by_role("link", name="All insights").click()
    manager.wait_for_url("**/insights/")
    check_page(manager, "12-trends-06-insights")
    moods = manager.locator("section[aria-labelledby=moods-h]").inner_text()
    assert "Fran Fallen" in moods and "Angry" in moods


# 13. Manager: a customer's data, downloaded, then erased at their request -----------------------


def test_manager_exports_a_customers_data_then_erases_them(page, roles, tmp_path):
    import json
    import zipfile

    UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    zoe = CustomerFactory(
        name="Zoë Forgetme", email="zoe.forgetme@example.com", phone="+44 20 7946 0321", owner=sam
    )
    interaction_log(
        customer=zoe,
        author=sam,
        kind=Interaction.Kind.CALL,
        summary="Asked us to forget her",
        details="She is moving abroad and wants nothing kept.",
    )

    log_in(page, "mona", PASSWORD, "13-erase-01")
    visit(page, f"/customers/{zoe.pk}/", "13-erase-02-profile")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export their data").click()
    archive_path = tmp_path / download.value.suggested_filename
    download.value.save_as(archive_path)
    assert archive_path.name.startswith(f"customer-{zoe.pk}-data-")
    with zipfile.ZipFile(archive_path) as archive:
        summary = archive.read("summary.html").decode()
        data = json.loads(archive.read("data.json"))
    assert "What Rapport holds about Zoë Forgetme" in summary
    (call,) = data["tables"]["interactions.Interaction"]
    assert call["details"] == "She is moving abroad and wants nothing kept."

    page.get_by_role("link", name="Erase", exact=True).click()
    page.wait_for_url(f"**/customers/{zoe.pk}/erase/")
    check_page(page, "13-erase-03-confirm")
    assert "Interactions: 1" in page.locator("main").inner_text()
    # Sent without ticking the box (the browser's own check taken away): nothing goes.
    box = page.get_by_label(re.compile("this erases the customer for good"))
    box.evaluate("field => field.removeAttribute('required')")
    page.get_by_role("button", name="Erase for good").click()
    page.wait_for_load_state()
    check_page(page, "13-erase-04-not-ticked", expected_statuses=(400,))
    assert "Tick the box to erase them" in page.locator("main").inner_text()
    assert Customer.objects.get(pk=zoe.pk).name == "Zoë Forgetme"

    page.get_by_label(re.compile("this erases the customer for good")).check()
    page.get_by_role("button", name="Erase for good").click()
    page.wait_for_url(f"**/customers/{zoe.pk}/")
    check_page(page, "13-erase-05-erased", expected_statuses=(410,))
    main = page.locator("main").inner_text()
    assert "The customer's data was erased." in main
    assert "This customer was erased" in main and "Zoë" not in main

    # The profile's address, bookmarked or shared, answers a friendly 410 from now on.
    response = visit(page, f"/customers/{zoe.pk}/", "13-erase-06-gone", expected_statuses=(410,))
    assert response.status == 410
    assert "Zoë" not in page.content()
    zoe.refresh_from_db()
    assert (zoe.name, zoe.email, zoe.phone) == ("[erased]", "", "")
    assert Interaction.objects.get(customer=zoe).details == "[erased]"
