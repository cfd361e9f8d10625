"""Which case a customer's email answers: by the signed Reply-To it was sent to, else by the
Message-IDs it says it replies to, else by a case number in its subject; only ever a case of the
customer who wrote it."""

import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from core.models import OutgoingEmail
from core.outbox.replies import email_replied_to
from interactions.models import Complaint

from .models import InboundMessage
from .parsing import ParsedEmail

_CASE_NUMBER = re.compile(r"\bcase\s*#\s*(\d{1,18})\b", re.IGNORECASE)


def case_replied_to(message: InboundMessage, parsed: ParsedEmail, customer) -> Complaint | None:
    cases = Complaint.objects.filter(customer=customer)
    case_type = ContentType.objects.get_for_model(Complaint).pk
    for address in [*parsed.recipients, *message.envelope_to.split()]:
        email = email_replied_to(address)
        if email is not None and email.about_type_id == case_type:
            case = cases.filter(pk=email.about_id).first()
            if case is not None:
                return case
    references = _ours(parsed.references)
    if references:
        email = (
            OutgoingEmail.objects.filter(about_type_id=case_type, message_id__in=references)
            .order_by("-pk")
            .first()
        )
        case = cases.filter(pk=email.about_id).first() if email else None
        if case is not None:
            return case
    number = _CASE_NUMBER.search(parsed.subject)
    return cases.filter(pk=int(number[1])).first() if number else None


def _ours(references: list[str]) -> list[str]:
    """The Message-IDs Rapport may have made (core.outbox.replies.new_message_id: all end in
    @INBOUND_DOMAIN), so that a reply to mail from anyone else costs no query. A reply to an
    email sent before INBOUND_DOMAIN changed is found by its Reply-To or case number only."""
    ending = f"@{settings.INBOUND_DOMAIN}>".lower()
    return [reference for reference in references if reference.lower().endswith(ending)]
