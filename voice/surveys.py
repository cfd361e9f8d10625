"""Surveys: who is asked and when, the emailed link (sent once), the answer (taken once).

The link carries a random token, signed. Only the token's SHA-256 is stored on the survey; the
link itself is in the queued email until it is sent, then erased (core.outbox), so a copy of
the database, or the admin, gives no working link once it went. The signature lets a mangled
or made-up link be refused before any lookup, and ties links to this installation's
SECRET_KEY: rotating the key retires every outstanding link. Expiry is ``expires_at`` on the
row, not a timestamp in the signature, so one setting governs it and an operator can see or
change it.
"""

import calendar
import datetime
import logging
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import OutgoingEmail
from core.outbox.queue import emails_queue, emails_retry
from core.tokens import token_hash
from customers.emails import customer_email
from customers.models import Customer
from interactions.complaints.case_links import case_link_new
from interactions.models import Complaint, Interaction
from interactions.services import interaction_log

from .models import Survey
from .rescoring import schedule_recompute
from .services import author_for

logger = logging.getLogger(__name__)

SIGNING_SALT = "rapport.voice.survey"
# A complaint resolved longer ago than the delay plus this is history, not news: the first
# planning run on an old database must not survey every complaint ever resolved. The margin
# past the minimum gap lets a survey held back by the gap still go once the gap is over.
COMPLAINT_CATCH_UP_DAYS = 7

OPEN, ANSWERED, EXPIRED, UNKNOWN = "open", "answered", "expired", "unknown"


def _signer() -> signing.Signer:
    # "." never occurs in a URL-safe token or signature, and reads better in a link than ":".
    return signing.Signer(salt=SIGNING_SALT, sep=".")


def survey_link_token(raw_token: str) -> str:
    return _signer().sign(raw_token)


def survey_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("voice:survey", args=[survey_link_token(raw_token)])


def survey_for_link(link_token: str, now=None) -> tuple[Survey | None, str]:
    """The survey a link is for, and whether it can be answered: OPEN, ANSWERED, EXPIRED, or
    UNKNOWN (tampered, made up, or replaced by a later send)."""
    try:
        raw = _signer().unsign(link_token)
    except signing.BadSignature:
        return None, UNKNOWN
    survey = (
        Survey.objects.select_related("customer", "complaint")
        .filter(token_hash=token_hash(raw))
        .first()
    )
    if survey is None:
        return None, UNKNOWN
    if survey.is_answered:
        return survey, ANSWERED
    if survey.expires_at is None or survey.is_expired(now):
        return survey, EXPIRED
    return survey, OPEN


# Creating and planning ---------------------------------------------------------------------


@transaction.atomic
def survey_create(*, customer: Customer, reason: str, complaint: Complaint | None = None) -> Survey:
    """Ask one customer now (the planner asks in bulk); the email goes once this commits."""
    survey = Survey(customer=customer, reason=reason, complaint=complaint)
    survey.full_clean()
    survey.save()
    surveys_queue(Survey.objects.filter(pk=survey.pk))
    survey.refresh_from_db()
    return survey


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment ``months`` calendar months earlier (31 March less one month: 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def _asked_since(moment: datetime.datetime):
    return Exists(Survey.objects.filter(customer_id=OuterRef("customer_id"), created_at__gt=moment))


def _after_complaint(now: datetime.datetime) -> list[Survey]:
    """One survey per complaint resolved the configured days ago, for customers who take email
    and were not asked anything within the minimum gap; one per customer per run."""
    delay = datetime.timedelta(days=settings.SURVEY_DAYS_AFTER_RESOLUTION)
    gap = datetime.timedelta(days=settings.SURVEY_MIN_GAP_DAYS)
    oldest = now - delay - gap - datetime.timedelta(days=COMPLAINT_CATCH_UP_DAYS)
    rows = (
        Complaint.objects.filter(
            status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED],
            resolved_at__lte=now - delay,
            resolved_at__gt=oldest,
            customer__archived_at__isnull=True,
            customer__email_opt_out=False,
        )
        .exclude(customer__email="")
        .filter(~Exists(Survey.objects.filter(complaint_id=OuterRef("pk"))))
        .filter(~_asked_since(now - gap))
        .order_by("-resolved_at", "-id")
        .values_list("pk", "customer_id")
    )
    surveys = {}
    for complaint_id, customer_id in rows:
        surveys.setdefault(
            customer_id,
            Survey(
                customer_id=customer_id,
                complaint_id=complaint_id,
                reason=Survey.Reason.AFTER_COMPLAINT,
                planned_on=timezone.localdate(now),
                created_at=now,
            ),
        )
    return list(surveys.values())


def _periodic(now: datetime.datetime, skip: set[int]) -> list[Survey]:
    """Every active customer who takes email, each N months: not asked anything since then
    (nor within the minimum gap), a customer for that long, and no complaint open right now
    (they hear from us about that; a survey would be tone-deaf). A batch a run, oldest first."""
    every = months_before(now, settings.SURVEY_EVERY_MONTHS)
    since = min(every, now - datetime.timedelta(days=settings.SURVEY_MIN_GAP_DAYS))
    open_complaint = Complaint.objects.open().filter(customer_id=OuterRef("pk"))
    asked = Survey.objects.filter(customer_id=OuterRef("pk"), created_at__gt=since)
    customer_ids = (
        Customer.objects.live()
        .filter(
            status__in=[Customer.Status.ACTIVE, Customer.Status.AT_RISK],
            email_opt_out=False,
            customer_since__lte=timezone.localdate(every),
        )
        .exclude(email="")
        .exclude(pk__in=skip)
        .filter(~Exists(asked), ~Exists(open_complaint))
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.SURVEY_PLAN_BATCH]
    )
    return [
        Survey(
            customer_id=pk,
            reason=Survey.Reason.PERIODIC,
            planned_on=timezone.localdate(now),
            created_at=now,
        )
        for pk in customer_ids
    ]


def plan_surveys(now: datetime.datetime | None = None) -> int:
    """Create the surveys now due and enqueue their emails; returns how many were created.

    A second run, or two beats at once, add nothing: the unique constraints (one survey per
    complaint, one periodic survey per customer per day) settle any race."""
    now = now or timezone.now()
    after_complaint = _after_complaint(now)
    periodic = _periodic(now, skip={s.customer_id for s in after_complaint})
    with transaction.atomic():
        Survey.objects.bulk_create([*after_complaint, *periodic], ignore_conflicts=True)
        created = Survey.objects.filter(state=Survey.State.PENDING, created_at=now).count()
        surveys_queue(Survey.objects.all())
    return created


# Sending --------------------------------------------------------------------------------------


@transaction.atomic
def surveys_queue(surveys) -> int:
    """Claim the pending ones of ``surveys`` and queue their emails; returns how many.

    The claim (pending -> sending) stores the hash of a fresh token, so the link works from
    the moment the email can arrive. The raw link is in the queued email only until it is
    sent (core.outbox erases a secret email's bodies then)."""
    claimed = list(
        surveys.filter(state=Survey.State.PENDING)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("customer", "complaint")
    )
    now = timezone.now()
    emails = []
    for survey in claimed:
        customer = survey.customer
        raw = secrets.token_urlsafe(32)
        survey.token_hash, survey.attempts = token_hash(raw), survey.attempts + 1
        survey.expires_at = now + datetime.timedelta(days=settings.SURVEY_LINK_DAYS)
        survey.state = Survey.State.SENDING
        email = None
        if not customer.is_archived:
            email = customer_email(
                "survey",
                customer,
                {
                    "survey": survey,
                    "complaint": survey.complaint,
                    "survey_url": survey_url(raw),
                    # An email about the case, like every other: it links to the case's page.
                    "case_url": case_link_new(survey.complaint) if survey.complaint else "",
                },
                about=survey,
                secret=True,
            )
        if email is None:
            survey.state, survey.token_hash = Survey.State.SKIPPED, None
            survey.last_error = (
                _("The customer takes no email.")
                if customer.email
                else _("The customer has no email address.")
            )
        else:
            emails.append(email)
    Survey.objects.bulk_update(
        claimed, ["state", "token_hash", "expires_at", "attempts", "last_error"]
    )
    emails_queue(emails)
    return len(emails)


def survey_email_settled(sender, email: OutgoingEmail, **kwargs) -> None:
    """The survey marked sent, or failed with the error (the admin can send it again)."""
    if email.kind != "survey":
        return
    survey = Survey.objects.filter(pk=email.about_id)
    if email.state == OutgoingEmail.State.SENT:
        survey.update(state=Survey.State.SENT, sent_at=email.sent_at, last_error="")
    else:
        survey.update(state=Survey.State.FAILED, last_error=email.last_error)


def survey_for_case_page(complaint: Complaint) -> Survey:
    """The survey about a resolved case, answered from the case's page: the one planned or
    sent for it, else a new one. One not sent yet is not sent now: it was offered on the page."""
    now = timezone.now()
    opens_until = now + datetime.timedelta(days=settings.SURVEY_LINK_DAYS)
    survey, _created = Survey.objects.get_or_create(
        complaint=complaint,
        defaults={
            "customer_id": complaint.customer_id,
            "reason": Survey.Reason.AFTER_COMPLAINT,
            "state": Survey.State.ON_CASE_PAGE,
            "expires_at": opens_until,
        },
    )
    Survey.objects.filter(pk=survey.pk, state=Survey.State.PENDING).update(
        state=Survey.State.ON_CASE_PAGE
    )
    # However old the emailed link, the case page (itself in date) still takes the answers.
    unanswered = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True)
    unanswered.filter(expires_at__lt=opens_until).update(expires_at=opens_until)
    survey.refresh_from_db()
    return survey


@transaction.atomic
def survey_send_again(survey: Survey) -> bool:
    """Send a failed survey again. Its email is retried as it was, link and all, so no second
    invitation with another link can follow it from the failures page; one with no email left
    to retry gets a fresh one."""
    changed = Survey.objects.filter(pk=survey.pk, state=Survey.State.FAILED).update(
        state=Survey.State.SENDING,
        expires_at=timezone.now() + datetime.timedelta(days=settings.SURVEY_LINK_DAYS),
    )
    if not changed:
        return False
    failed = OutgoingEmail.objects.about(survey).filter(kind="survey")
    if not emails_retry(failed.values_list("pk", flat=True)):
        Survey.objects.filter(pk=survey.pk).update(state=Survey.State.PENDING)
        surveys_queue(Survey.objects.filter(pk=survey.pk))
    return True


# Answering ------------------------------------------------------------------------------------


@transaction.atomic
def survey_answer(
    survey: Survey,
    *,
    satisfaction: int,
    recommend: int,
    considered_switching: str,
    unmet_want: str = "",
    comment: str = "",
    now: datetime.datetime | None = None,
) -> bool:
    """Record the answers once; False if the link was answered or expired meanwhile.

    The answer goes on the timeline as feedback (with the rating), the unmet want onto the
    profile, and the loyalty score is recomputed."""
    now = now or timezone.now()
    unmet_want, comment = unmet_want.strip(), comment.strip()
    # The claim: of two submits at once (a double click, two tabs) only one finds it open.
    claimed = Survey.objects.filter(
        pk=survey.pk, answered_at__isnull=True, expires_at__gt=now
    ).update(
        answered_at=now,
        satisfaction=satisfaction,
        recommend=recommend,
        considered_switching=considered_switching,
        unmet_want=unmet_want,
        comment=comment,
    )
    if not claimed:
        return False
    survey.refresh_from_db()
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=survey.customer_id)
    )
    if unmet_want and unmet_want.casefold() not in customer.unmet_wants.casefold():
        entry = _("%(want)s (survey, %(date)s)") % {
            "want": unmet_want,
            "date": date_format(timezone.localdate(now), "j M Y"),
        }
        customer.unmet_wants = "\n".join(filter(None, [customer.unmet_wants.strip(), entry]))
        customer._change_reason = _("Unmet want from a survey answer")
        customer.save(update_fields=["unmet_wants", "updated_at"])
    author = author_for(customer)
    if author is not None:
        interaction = interaction_log(
            customer=customer,
            author=author,
            kind=Interaction.Kind.FEEDBACK,
            channel=Interaction.Channel.WEB,
            summary=_("Survey answer: satisfaction %(satisfaction)d/5, recommend %(recommend)d/10")
            % {"satisfaction": satisfaction, "recommend": recommend},
            details=_answer_details(survey),
            # We asked: the survey is our initiative, not theirs.
            initiated_by=Interaction.Initiator.US,
            satisfaction=satisfaction,
            occurred_at=now,
        )
        Survey.objects.filter(pk=survey.pk).update(interaction=interaction)
        survey.interaction = interaction
    # Without an author there is no interaction; the answer is on the survey, and counts.
    schedule_recompute(customer.pk)
    return True


def _answer_details(survey: Survey) -> str:
    lines = []
    if survey.reason == Survey.Reason.AFTER_COMPLAINT and survey.complaint_id:
        lines.append(
            _("Asked after complaint #%(number)s was resolved.") % {"number": survey.complaint_id}
        )
    else:
        lines.append(_("Periodic survey."))
    lines += [
        _("Overall satisfaction: %(n)d of 5") % {"n": survey.satisfaction},
        _("Likely to recommend us: %(n)d of 10") % {"n": survey.recommend},
        _("Considered switching to another provider: %(answer)s")
        % {"answer": survey.get_considered_switching_display()},
    ]
    if survey.unmet_want:
        lines.append(_("Wishes we offered: %(want)s") % {"want": survey.unmet_want})
    if survey.comment:
        lines += ["", survey.comment]
    return "\n".join(lines)
