"""The customer's own page about their complaint, /case/<token>/, reached from every email about
the case: no login, the link is the key. It shows what they told us, the steps so far and our
promises; it takes their answer to a remedy, a message, whether it is fixed, and the survey."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.languages import speak
from interactions.complaints import customer_words
from interactions.complaints import services as complaints
from interactions.complaints.case_links import OPEN, UNKNOWN, case_for_token
from interactions.models import Complaint

from . import case_actions, surveys
from .forms import CaseFixedForm, CaseMessageForm, CaseRemedyForm, SurveyForm
from .selectors import customer_own_words


def _public(response):
    response["X-Robots-Tag"] = "noindex"
    return response


def _gone(request, status):
    http_status = 404 if status == UNKNOWN else 410
    return _public(render(request, "voice/case_gone.html", {"status": status}, status=http_status))


def _case_or_status(token):
    complaint, status = case_for_token(token)
    return (complaint if status == OPEN else None), status


@login_not_required
@never_cache
@require_GET
def case(request, token):
    complaint, status = _case_or_status(token)
    if complaint is None:
        return _gone(request, status)
    return _render(request, token, complaint)


@login_not_required
@never_cache
@require_POST
def case_seen(request, token):
    """The page's script says a person has it open: staff see when the customer last looked."""
    complaint, status = _case_or_status(token)
    if complaint is None:
        return HttpResponse(status=404 if status == UNKNOWN else 410)
    complaints.complaint_seen_by_customer(complaint)
    return HttpResponse(status=204)


def _render(request, token, complaint, *, forms=None, status=200):
    speak(request, complaint.customer.language)
    events = customer_words.customer_events(complaint)
    remedy_offered = complaint.remedy not in (Complaint.Remedy.NONE, Complaint.Remedy.NO_REMEDY)
    finished = complaint.status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
    forms = forms or {}
    # What went wrong with what they sent, where they will see it: the answer buttons have no
    # field of their own to show an error beside.
    errors = [
        error
        for form in forms.values()
        for error in [*form.non_field_errors(), *form.errors.get("answer", [])]
    ]
    context = {
        "errors": errors,
        "token": token,
        "complaint": complaint,
        "customer": complaint.customer,
        "handler": customer_words.handler_name(complaint),
        "own_words": customer_own_words(complaint),
        "steps": customer_words.case_steps(complaint, events),
        "promises": customer_words.case_promises(complaint),
        "conversation": customer_words.customer_messages(events),
        "remedy_offered": remedy_offered,
        "finished": finished,
        "message_form": forms.get("message") or CaseMessageForm(),
        "remedy_form": forms.get("remedy") or CaseRemedyForm(),
        "fixed_form": forms.get("fixed") or CaseFixedForm(),
    }
    return _public(render(request, "voice/case_page.html", context, status=status))


def _action(request, token, form_class, name, act):
    """A customer's POST: the link must still work, the form be valid, the case not flooded."""
    complaint, status = _case_or_status(token)
    if complaint is None:
        return _gone(request, status)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render(request, token, complaint, forms={name: form}, status=400)
    if case_actions.case_page_rate_limited(complaint):
        form.add_error(
            None, _("We have had a lot from this page in the last hour: please try again later.")
        )
        return _render(request, token, complaint, forms={name: form}, status=429)
    try:
        done = act(complaint, form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error.messages[0])
        return _render(request, token, complaint, forms={name: form}, status=409)
    messages.success(request, done)
    return redirect("voice:case", token=token)


@login_not_required
@never_cache
@require_POST
def case_message(request, token):
    def act(complaint, data):
        case_actions.case_message_add(complaint, text=data["message"])
        return _("Thank you: your message is on your case, and %(name)s has been told.") % {
            "name": customer_words.handler_name(complaint)
        }

    return _action(request, token, CaseMessageForm, "message", act)


@login_not_required
@never_cache
@require_POST
def case_remedy(request, token):
    def act(complaint, data):
        accepted = data["answer"] == CaseRemedyForm.ACCEPT
        complaints.complaint_remedy_answer(complaint, accepted=accepted, comment=data["comment"])
        if accepted:
            return _("Thank you: you accepted what we offered, and we will go ahead.")
        return _("Thank you: we have your answer and will be in touch about what would help.")

    return _action(request, token, CaseRemedyForm, "remedy", act)


@login_not_required
@never_cache
@require_POST
def case_fixed(request, token):
    def act(complaint, data):
        fixed = data["answer"] == CaseFixedForm.FIXED
        complaints.complaint_customer_fixed(complaint, fixed=fixed, comment=data["comment"])
        if fixed:
            return _("Thank you for telling us it is fixed.")
        return _("We are sorry it is not put right: the case is open again and we are on it.")

    return _action(request, token, CaseFixedForm, "fixed", act)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_survey(request, token):
    """The survey about this case, from the case page once it is resolved."""
    complaint, status = _case_or_status(token)
    if complaint is None:
        return _gone(request, status)
    if complaint.status not in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED):
        return redirect("voice:case", token=token)
    survey = surveys.survey_for_case_page(complaint)
    if survey.is_answered:
        return _public(
            render(request, "voice/survey_closed.html", {"status": surveys.ANSWERED}, status=410)
        )
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if case_actions.case_survey_answer(complaint, survey, **form.cleaned_data):
            return _public(render(request, "voice/survey_thanks.html", {"survey": survey}))
        return _public(
            render(request, "voice/survey_closed.html", {"status": surveys.ANSWERED}, status=410)
        )
    return _public(
        render(
            request,
            "voice/survey_form.html",
            {"form": form, "survey": survey},
            status=400 if form.errors else 200,
        )
    )
