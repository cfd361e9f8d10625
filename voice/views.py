"""The public pages: the feedback form and the survey a customer reaches from an email."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.addresses import client_address
from core.languages import speak
from core.middleware import note_kept

from . import services, surveys
from .forms import FeedbackForm, SurveyForm


def _too_big(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.FEEDBACK_MAX_REQUEST_BYTES


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def feedback(request):
    """Anyone may write to us. Spam is held off by a honeypot field, an hourly limit per email
    address and per client, and size limits; nothing a person writes is lost."""
    template = "voice/feedback_form.html"
    if request.method != "POST":
        return render(request, template, {"form": FeedbackForm()})
    if _too_big(request):
        # Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) stops anything huge; this one keeps a
        # form that needs a few kilobytes from taking megabytes into the database.
        return render(request, template, {"form": FeedbackForm(), "too_big": True}, status=413)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form})
    # If the database fails from here, the 503 page says whether their message was kept, so
    # they neither send it twice nor trust us with one we never stored.
    note_kept(request, kept=False)
    address = client_address(request)
    if services.feedback_rate_limited(email=form.cleaned_data["email"], client_address=address):
        return render(request, template, {"form": form, "rate_limited": True}, status=429)
    submission = services.feedback_store(
        **form.submission_fields(),
        client_address=address,
        spam=form.is_spam,
        language=request.LANGUAGE_CODE,
    )
    note_kept(request, kept=True)
    services.feedback_process(submission)
    # The same page whoever wrote and whatever happened next: it never tells a visitor whether
    # an address belongs to a customer.
    return redirect("voice:feedback-thanks")


@login_not_required
@require_GET
def feedback_thanks(request):
    return render(request, "voice/feedback_thanks.html")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token):
    """GET shows the questions (a link scanner opening it changes nothing); POST answers."""
    found, status = surveys.survey_for_link(token)
    if status != surveys.OPEN:
        return _closed(request, status)
    speak(request, found.customer.language)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not surveys.survey_answer(found, **form.cleaned_data):
            # Answered in another tab, or expired, between the page and the submit.
            found, status = surveys.survey_for_link(token)
            return _closed(request, status)
        response = render(request, "voice/survey_thanks.html", {"survey": found})
    else:
        response = render(request, "voice/survey_form.html", {"form": form, "survey": found})
    response["X-Robots-Tag"] = "noindex"
    return response


def _closed(request, status):
    http_status = 404 if status == surveys.UNKNOWN else 410
    response = render(request, "voice/survey_closed.html", {"status": status}, status=http_status)
    response["X-Robots-Tag"] = "noindex"
    return response
