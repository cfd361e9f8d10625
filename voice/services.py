"""The public feedback form's writes: store first, then put it on the customer's timeline.

A submission is saved on its own before anything else happens, so whatever fails afterwards
the customer's words are kept: one that no one could be found to log, or whose processing
failed, waits in the admin to be processed again; one left received (the database or the web
process stopped before it was processed) is processed by a sweep a minute later. Surveys live
in surveys.py, the score in loyalty.py.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.addresses import keyed_hash
from core.errors import describe
from core.languages import supported
from core.models import OutgoingEmail
from core.roles import MANAGER_GROUP
from customers.consent import CONSENT_LINK_DAYS, consent_url
from customers.emails import customer_email_queue
from customers.models import Customer
from customers.services import customer_create, normalise_email
from customers.suppression import is_suppressed
from interactions.complaints.services import complaint_open
from interactions.models import Complaint, Interaction
from interactions.services import interaction_log

from .models import FeedbackSubmission
from .summaries import message_summary

logger = logging.getLogger(__name__)

RATE_WINDOW = datetime.timedelta(hours=1)
# A submission still received this long after it was stored lost its processing: the request
# that stored it processes it at once, in well under this.
STRANDED_AFTER = datetime.timedelta(minutes=1)
STRANDED_BATCH = 100
State = FeedbackSubmission.State
Ack = FeedbackSubmission.Acknowledgement


def client_hash(address: str) -> str:
    """A keyed hash of the client's address: equal for equal addresses, useless elsewhere."""
    return keyed_hash("voice.feedback-client", address)


def customer_by_email(email: str) -> Customer | None:
    """The customer with this address, compared as the unique constraint does (its index)."""
    return Customer.objects.select_related("owner").with_email(email).first()


def author_for(customer: Customer | None):
    """Whom a customer's own words are logged as: an interaction needs a member of staff.

    Their owner if they have an active one, else the longest-standing active manager (the
    one who set Rapport up, usually). None when there is no such person."""
    if customer is not None and customer.owner is not None and customer.owner.is_active:
        return customer.owner
    return (
        get_user_model()
        .objects.filter(Q(groups__name=MANAGER_GROUP) | Q(is_superuser=True), is_active=True)
        .order_by("pk")
        .first()
    )


def feedback_rate_limited(*, email: str, client_address: str, now=None) -> bool:
    """True when this email address, or this client, sent its allowed number in the last hour.

    A soft limit: two submissions at the same instant may both pass, which is fine for
    keeping a form from being flooded."""
    since = (now or timezone.now()) - RATE_WINDOW
    recent = FeedbackSubmission.objects.filter(created_at__gte=since)
    return (
        recent.filter(email=normalise_email(email)).count() >= settings.FEEDBACK_RATE_LIMIT
        or recent.filter(client_hash=client_hash(client_address)).count()
        >= settings.FEEDBACK_ADDRESS_RATE_LIMIT
    )


def feedback_store(
    *,
    name: str,
    email: str,
    topic: str,
    message: str,
    client_address: str,
    phone: str = "",
    order_ref: str = "",
    wants_news: bool = False,
    spam: bool = False,
    language: str = "",
) -> FeedbackSubmission:
    """Store a public form submission as written, committed on its own; feedback_process
    comes next. A honeypot catch (``spam``) is stored for the record and goes no further."""
    return FeedbackSubmission.objects.create(
        name=name,
        email=normalise_email(email),
        phone=phone,
        topic=topic,
        message=message,
        order_ref=order_ref,
        wants_news=wants_news,
        language=supported(language) or settings.LANGUAGE_CODE,
        client_hash=client_hash(client_address),
        state=State.SPAM if spam else State.RECEIVED,
        acknowledgement=Ack.NOT_SENT if spam else Ack.PENDING,
    )


def feedback_process(submission: FeedbackSubmission) -> FeedbackSubmission:
    """Find or create the customer, log the interaction (a complaint opens a case), and
    acknowledge a new submission. Safe to run again on a received, held or failed one; a
    database error leaves it as it was, anything else marks it failed."""
    if submission.state == State.SPAM:
        return submission  # stored for the record, and no further
    _process_first(
        FeedbackSubmission.objects.filter(
            pk=submission.pk, state__in=[State.RECEIVED, State.HELD, State.FAILED]
        )
    )
    submission.refresh_from_db()
    return submission


def feedback_process_stranded(now: datetime.datetime | None = None) -> int:
    """Process the submissions still received STRANDED_AFTER after they were stored, a batch
    a run.

    Each is locked while it is processed and a second sweep skips locked rows, so two sweeps
    (or a sweep and the request that stored it) process it once."""
    stranded = FeedbackSubmission.objects.filter(
        state=State.RECEIVED, created_at__lt=(now or timezone.now()) - STRANDED_AFTER
    ).order_by("created_at", "pk")
    processed = 0
    while processed < STRANDED_BATCH and _process_first(stranded, skip_locked=True):
        processed += 1
    if processed:
        logger.warning("Processed %s feedback submissions left unprocessed", processed)
    return processed


def _process_first(candidates, *, skip_locked: bool = False) -> bool:
    """Lock the first of ``candidates`` and process it in one transaction; False if there is
    none (with ``skip_locked``, none that no one else is processing)."""
    submission = None
    try:
        with transaction.atomic():
            submission = candidates.select_for_update(skip_locked=skip_locked).first()
            if submission is None:
                return False
            new = submission.state == State.RECEIVED
            _process(submission)
            # A new submission is acknowledged whatever becomes of it (held, failed): we have
            # it. In the same transaction, so it is processed and acknowledged, or neither and
            # the sweep takes it up again. One processed again was acknowledged the first time.
            if new:
                feedback_acknowledgement_queue(submission.pk)
    except (OperationalError, InterfaceError):
        # The database went away: nothing was written, and a received submission is swept up
        # once it is back. Marking it failed would leave it to a person instead.
        raise
    except Exception as error:
        if submission is None:
            raise
        # Anything else: the customer's message is already saved, and must not be lost in a
        # 500. Staff see it in the admin as failed, with the error, and can process it again.
        logger.exception("Feedback submission %s was stored but not processed", submission.pk)
        with transaction.atomic():
            FeedbackSubmission.objects.filter(pk=submission.pk).update(
                state=State.FAILED, error=describe(error)
            )
            if new:
                feedback_acknowledgement_queue(submission.pk)
    return True


def _process(submission: FeedbackSubmission) -> None:
    customer = customer_by_email(submission.email)
    author = author_for(customer)
    if author is None:
        submission.state = State.HELD
        submission.error = _("No active manager to log it as: add one, then process it again.")
        submission.save(update_fields=["state", "error"])
        return
    if customer is None:
        returning = is_suppressed(submission.email)
        customer = _create_customer(submission)
        if returning:
            _note_suppressed(customer, author)
    details = _details(submission)
    if submission.topic == FeedbackSubmission.Topic.COMPLAINT:
        # complaint_open logs the complaint on the timeline and sends its own acknowledgement,
        # with the case number: one email, not two.
        complaint = complaint_open(
            customer=customer,
            summary=_summary(submission),
            severity=Complaint.Severity.NORMAL,
            opened_by=author,
            details=details,
            channel=Interaction.Channel.WEB,
        )
        submission.complaint = complaint
        submission.interaction_id = complaint.interaction_id
        if submission.acknowledgement == Ack.PENDING:
            submission.acknowledgement = Ack.BY_COMPLAINT
    else:
        label = FeedbackSubmission.Topic(submission.topic).label
        submission.interaction = interaction_log(
            customer=customer,
            author=author,
            kind=Interaction.Kind.FEEDBACK,
            channel=Interaction.Channel.WEB,
            summary=Truncator(f"{label}: {_summary(submission)}").chars(200),
            details=details,
            initiated_by=Interaction.Initiator.CUSTOMER,
        )
    submission.customer = customer
    submission.state = State.PROCESSED
    submission.error = ""
    submission.save()
    feedback_news_confirmation_queue(submission)


def _create_customer(submission: FeedbackSubmission) -> Customer:
    """A new customer from the form. Someone who complains or quotes an order has bought from
    us; anyone else is a prospect until they do."""
    bought = submission.topic == FeedbackSubmission.Topic.COMPLAINT or submission.order_ref
    try:
        with transaction.atomic():
            return customer_create(
                name=submission.name,
                email=submission.email,
                phone=submission.phone,
                preferred_channel=Customer.Channel.EMAIL,
                status=Customer.Status.ACTIVE if bought else Customer.Status.PROSPECT,
                language=submission.language,
            )
    except (IntegrityError, ValidationError):
        # Two submissions from a new address at once: the unique constraint on the email let
        # one of them create the customer; this one uses it.
        existing = customer_by_email(submission.email)
        if existing is None:
            raise
        return existing


def _note_suppressed(customer: Customer, author) -> None:
    """Tell staff, on the new customer's timeline, that the address was an erased customer's.
    The message is taken (a customer may come back), but as from someone new: nothing of the
    erased customer returns, and staff decide whether to keep them."""
    interaction_log(
        customer=customer,
        author=author,
        kind=Interaction.Kind.NOTE,
        channel=Interaction.Channel.WEB,
        summary=_("This address is on the suppression list"),
        details=_(
            "A customer erased at their request used this email address. Someone wrote from it "
            "through the feedback form, so Rapport added them as a new customer; nothing of the "
            "erased customer came back. Check with them that they want to be on our books again."
        ),
    )


def _summary(submission: FeedbackSubmission) -> str:
    return message_summary(
        submission.message,
        topic_label=FeedbackSubmission.Topic(submission.topic).label,
        order_ref=submission.order_ref,
    )


def _details(submission: FeedbackSubmission) -> str:
    # What they typed about themselves goes here, not onto the profile: anyone can type any
    # address into a public form, so it must not overwrite what we know about a customer.
    lines = [submission.message.strip(), ""]
    if submission.order_ref:
        lines.append(_("Order reference: %(ref)s") % {"ref": submission.order_ref})
    sender = _("Sent through the feedback form by %(name)s <%(email)s>") % {
        "name": submission.name,
        "email": submission.email,
    }
    if submission.phone:
        sender += _(", phone %(phone)s") % {"phone": submission.phone}
    lines.append(sender + ".")
    return "\n".join(lines)


def feedback_acknowledgement_queue(submission_id: int) -> bool:
    """Queue the email telling the sender we have their message, once: the acknowledgement
    is claimed (pending -> sending) in the transaction that queues it. False when it was
    claimed already, or the sender takes no email."""
    with transaction.atomic():
        claimed = FeedbackSubmission.objects.filter(
            pk=submission_id, acknowledgement=Ack.PENDING
        ).update(
            acknowledgement=Ack.SENDING,
            acknowledgement_attempts=F("acknowledgement_attempts") + 1,
        )
        if not claimed:
            return False
        submission = FeedbackSubmission.objects.select_related("customer").get(pk=submission_id)
        email = customer_email_queue(
            "feedback-acknowledgement",
            submission.customer or customer_by_email(submission.email),
            {"submission": submission},
            about=submission,
            to=submission.email,
            language=submission.language,
        )
        if email is None:
            FeedbackSubmission.objects.filter(pk=submission_id).update(acknowledgement=Ack.NOT_SENT)
    return email is not None


def feedback_news_confirmation_queue(submission: FeedbackSubmission) -> bool:
    """Queue the email that asks the sender to confirm they want news and offers, once per
    submission that asked for it, in the caller's transaction; False when it was handled
    already, or there is nothing to ask (no customer yet, consent already recorded, or they
    take no email)."""
    claimed = FeedbackSubmission.objects.filter(
        pk=submission.pk, wants_news=True, news_confirmation_at__isnull=True
    ).update(news_confirmation_at=timezone.now())
    customer = submission.customer
    if not claimed or customer is None or customer.marketing_consent_at is not None:
        return False
    email = customer_email_queue(
        "marketing-consent",
        customer,
        {"confirm_url": consent_url(customer), "days": CONSENT_LINK_DAYS},
        about=submission,
        # The link signs them up: the outbox forgets it once the email is sent.
        secret=True,
    )
    return email is not None


def feedback_email_settled(sender, email: OutgoingEmail, **kwargs) -> None:
    """The acknowledgement marked sent, or failed with the error the admin shows."""
    if email.kind != "feedback-acknowledgement":
        return
    submission = FeedbackSubmission.objects.filter(pk=email.about_id)
    if email.state == OutgoingEmail.State.SENT:
        submission.update(
            acknowledgement=Ack.SENT, acknowledged_at=email.sent_at, acknowledgement_error=""
        )
    else:
        submission.update(acknowledgement=Ack.FAILED, acknowledgement_error=email.last_error)
