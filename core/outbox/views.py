"""The managers' page of emails that did not go, with retry one and retry all."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.numbers import parse_id
from core.people import person_name
from core.redirects import redirect_to_next
from core.roles import manager_required

from . import selectors
from .queue import emails_retry

PER_PAGE = 50
KIND_LABELS = {
    "complaint-acknowledgement": _("Complaint acknowledgement"),
    "complaint-resolution": _("Resolution notice"),
    "complaint-update": _("Message about a case"),
    "complaint-link": _("New link to a case"),
    "digest": _("Daily digest"),
    "escalation": _("Escalation to managers"),
    "feedback-acknowledgement": _("Feedback thank-you"),
    "survey": _("Survey invitation"),
    "password-reset": _("Password reset"),
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or kind.replace("-", " ").capitalize()


def _kind(value: str) -> str:
    """A kind as the outbox writes them (``complaint-resolution``), else none at all."""
    return value if value.isascii() and value.replace("-", "").isalpha() else ""


@manager_required
def failed_emails(request):
    emails = selectors.failed_emails()
    kind = _kind(request.GET.get("kind", ""))
    if kind:
        emails = emails.filter(kind=kind)
    counts = selectors.failure_counts()
    for row in counts["by_kind"]:
        row["label"] = kind_label(row["kind"])
    page = Paginator(emails, PER_PAGE).get_page(request.GET.get("page"))
    for email in page.object_list:
        email.label = kind_label(email.kind)
        email.person_name = person_name(email.person) if email.person else ""
        email.about_url = getattr(email.about, "get_absolute_url", lambda: "")()
    return render(
        request,
        "outbox/failed_emails.html",
        {
            "page_obj": page,
            "emails": page.object_list,
            "counts": counts,
            "kind": kind,
            "query": urlencode({"kind": kind}) if kind else "",
        },
    )


@require_POST
@manager_required
def retry_emails(request):
    """Retry the email named by ``email``, or with ``all``, every failed one (of ``kind``)."""
    emails = selectors.failed_emails()
    if request.POST.get("all"):
        if kind := _kind(request.POST.get("kind", "")):
            emails = emails.filter(kind=kind)
        ids = list(emails.values_list("pk", flat=True))
    else:
        ids = [pk for pk in map(parse_id, request.POST.getlist("email")) if pk is not None]
    retried = emails_retry(ids)
    messages.success(
        request,
        ngettext("%(n)d email will be sent again.", "%(n)d emails will be sent again.", retried)
        % {"n": retried},
    )
    return redirect_to_next(request, "failed-emails")
