"""What a customer writes on their case page beyond answering the case itself (complaint
services): a message, which lands on the case and on their timeline; the survey about the case;
and the page's hourly limit."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from interactions.complaints.services import complaint_customer_replied
from interactions.models import Complaint, ComplaintEvent, Interaction
from interactions.services import interaction_log

from .models import Survey
from .services import author_for
from .surveys import survey_answer

RATE_WINDOW = datetime.timedelta(hours=1)


def case_page_rate_limited(complaint: Complaint, now=None) -> bool:
    """True once the case took CASE_PAGE_RATE_LIMIT messages and answers from the customer
    in the last hour: enough for any person, and a flood stops there."""
    since = (now or timezone.now()) - RATE_WINDOW
    recent = ComplaintEvent.objects.filter(
        complaint=complaint,
        kind__in=[ComplaintEvent.Kind.REPLY, ComplaintEvent.Kind.CUSTOMER],
        at__gte=since,
    )
    return recent.count() >= settings.CASE_PAGE_RATE_LIMIT


@transaction.atomic
def case_message_add(complaint: Complaint, *, text: str) -> ComplaintEvent:
    """The customer's message: on the case as theirs (the assignee is told, and a recently
    resolved case reopens), and on their timeline as contact from them."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write your message first."))
    customer = complaint.customer
    author = author_for(customer)
    if author is not None:
        interaction_log(
            customer=customer,
            author=author,
            kind=Interaction.Kind.FEEDBACK,
            channel=Interaction.Channel.WEB,
            summary=Truncator(
                _("On case #%(number)s: %(text)s") % {"number": complaint.pk, "text": text}
            ).chars(200),
            details=text,
            initiated_by=Interaction.Initiator.CUSTOMER,
        )
    return complaint_customer_replied(complaint, text=text)


@transaction.atomic
def case_survey_answer(complaint: Complaint, survey: Survey, **answers) -> bool:
    """The survey about the case, answered from its page: as any survey answer, and on the
    case's timeline. False if it was answered meanwhile."""
    if not survey_answer(survey, **answers):
        return False
    note = (
        _(
            "The customer answered the survey: satisfaction %(satisfaction)s of 5, would "
            "recommend us %(recommend)s of 10."
        )
        % answers
    )
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.CUSTOMER, note=note)
    return True
