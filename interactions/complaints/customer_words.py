"""A case as the customer sees it, in their words: its steps, our promises and whether we kept
them, and the messages staff may send at each step (the defaults live here and nowhere else).

Nothing internal reaches the customer from here: no notes, no severity, no staff surnames or
addresses. What is shown is what the customer told us, what we told them, and dates.
"""

import dataclasses
import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from interactions.models import Complaint, ComplaintEvent, FollowUp

RECEIVED, LOOKED_AT, REMEDY, RESOLVED, REOPENED, CLOSED = (
    "received",
    "looked_at",
    "remedy",
    "resolved",
    "reopened",
    "closed",
)


def handler_name(complaint: Complaint) -> str:
    """Who handles the case, as the customer may know them: a first name, never more."""
    assignee = complaint.assignee
    first_name = (assignee.first_name.strip().split() or [""])[0] if assignee else ""
    return first_name or _("our team")


def when(moment: datetime.datetime) -> str:
    """A time as the customer reads it: "Tue 9 Dec, 10:00"."""
    return date_format(timezone.localtime(moment), "D j M, H:i")


def day(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "l j F")


@dataclasses.dataclass(frozen=True)
class Step:
    key: str
    at: datetime.datetime
    text: str


@dataclasses.dataclass(frozen=True)
class Promise:
    text: str
    # True kept, False broken, None still to come.
    kept: bool | None


def case_steps(complaint: Complaint, events) -> list[Step]:
    """What has happened so far, oldest first, from the case and its timeline."""
    steps = [Step(RECEIVED, complaint.opened_at, _("We received your complaint."))]
    if complaint.first_response_at:
        steps.append(
            Step(
                LOOKED_AT,
                complaint.first_response_at,
                _("%(name)s is looking at it.") % {"name": handler_name(complaint)},
            )
        )
    remedy_offered = [e for e in events if e.kind == ComplaintEvent.Kind.REMEDY]
    if complaint.remedy and complaint.remedy != Complaint.Remedy.NO_REMEDY and remedy_offered:
        steps.append(
            Step(
                REMEDY,
                remedy_offered[-1].at,
                _("We offered you: %(remedy)s.") % {"remedy": complaint.get_remedy_display()},
            )
        )
    for event in events:
        if event.kind != ComplaintEvent.Kind.STATUS:
            continue
        if event.to_status == Complaint.Status.RESOLVED:
            steps.append(Step(RESOLVED, event.at, _("We resolved it.")))
        elif event.to_status == Complaint.Status.OPEN:
            steps.append(Step(REOPENED, event.at, _("We opened it again.")))
        elif event.to_status == Complaint.Status.CLOSED:
            steps.append(Step(CLOSED, event.at, _("The case was closed.")))
    return sorted(steps, key=lambda step: step.at)


def case_promises(complaint: Complaint, now=None) -> list[Promise]:
    """The first reply and the resolution we promised, and each follow-up we promised them."""
    now = now or timezone.now()
    promises = [
        _promise(
            _("We promised a first reply by %(by)s") % {"by": when(complaint.respond_by)},
            complaint.respond_by,
            complaint.first_response_at,
            _("replied %(at)s"),
            now,
        ),
        _promise(
            _("We aim to resolve this by %(by)s") % {"by": day(complaint.resolve_by)},
            complaint.resolve_by,
            complaint.resolved_at,
            _("resolved %(at)s"),
            now,
        ),
    ]
    promised = FollowUp.objects.filter(complaint=complaint, promised=True).order_by("due_on", "pk")
    for follow_up in promised:
        due = timezone.make_aware(datetime.datetime.combine(follow_up.due_on, datetime.time.max))
        promises.append(
            _promise(
                _("We promised to get back to you by %(by)s")
                % {"by": date_format(follow_up.due_on, "l j F")},
                due,
                follow_up.done_at,
                _("done %(at)s"),
                now,
            )
        )
    return promises


def _promise(text, due, done_at, done_text, now) -> Promise:
    if done_at is not None:
        kept = done_at <= due
        done = done_text % {"at": when(done_at)}
        if not kept:
            done += _(", later than we promised: we are sorry")
        return Promise(f"{text} — {done}.", kept)
    if now > due:
        late = _("not yet, and we are late: we are sorry")
        return Promise(f"{text} — {late}.", False)
    return Promise(f"{text}.", None)


def customer_messages(events) -> list[ComplaintEvent]:
    """The messages between the customer and us, oldest first: theirs, and what we sent."""
    kinds = (ComplaintEvent.Kind.REPLY, ComplaintEvent.Kind.TOLD)
    return sorted((e for e in events if e.kind in kinds), key=lambda e: (e.at, e.pk))


def customer_events(complaint: Complaint):
    """The case's timeline, oldest first, as the customer's page reads it."""
    kinds = [
        ComplaintEvent.Kind.REPLY,
        ComplaintEvent.Kind.TOLD,
        ComplaintEvent.Kind.STATUS,
        ComplaintEvent.Kind.REMEDY,
    ]
    return list(complaint.events.filter(kind__in=kinds).order_by("at", "pk"))


# The message staff are offered at each step, to send as it is or to edit. -------------------


def step_message(complaint: Complaint) -> str:
    """What to tell the customer about where the case stands now."""
    name = handler_name(complaint)
    if complaint.status == Complaint.Status.RESOLVED or complaint.status == Complaint.Status.CLOSED:
        return _(
            "We believe this is now put right. Please tell us on your case page whether it is "
            "fixed: if it is not, we will pick it up again straight away."
        )
    offered = complaint.remedy not in (Complaint.Remedy.NONE, Complaint.Remedy.NO_REMEDY)
    if offered and complaint.remedy_accepted is None:
        return _(
            "To make up for this we would like to offer you: %(remedy)s. Please tell us on "
            "your case page whether you accept."
        ) % {"remedy": complaint.get_remedy_display()}
    if complaint.first_response_at is None:
        return _(
            "We have your message and %(name)s will reply by %(by)s. Thank you for your patience."
        ) % {"name": name, "by": when(complaint.respond_by)}
    return _(
        "%(name)s is working on this and we aim to have it put right by %(by)s. We will keep "
        "you posted."
    ) % {"name": name, "by": day(complaint.resolve_by)}
