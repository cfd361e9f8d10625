"""Complaint cases in the browser: the queue, the case page, opening one, and working it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.numbers import parse_id
from core.roles import can_work_complaint
from customers.models import Customer
from interactions.complaints import services as complaints
from interactions.complaints.filters import ComplaintFilter, is_filtered
from interactions.complaints.forms import (
    TRANSITION_LABELS,
    ComplaintOpenForm,
    ComplaintTellForm,
    ComplaintTransitionForm,
    ComplaintUpdateForm,
)
from interactions.complaints.selectors import with_badges
from interactions.models import Complaint, Interaction

PAGE_SIZE = 25


def get_complaint_for_work(request, pk) -> Complaint:
    """The case, if this user may work it: 404 when unknown, 403 when it is not theirs."""
    complaint = get_object_or_404(Complaint.objects.select_related("customer"), pk=pk)
    if not can_work_complaint(request.user, complaint):
        raise PermissionDenied(
            _("Only a manager, the assignee or the customer's owner can work this case.")
        )
    return complaint


def complaint_list(request):
    complaint_filter = ComplaintFilter(
        request.GET,
        # The page's customers come in a second query: joined, PostgreSQL would read every
        # customer before it could pick the twenty-five most urgent cases.
        queryset=Complaint.objects.select_related("assignee")
        .prefetch_related("customer")
        .most_urgent_first(),
        user=request.user,
    )
    page = Paginator(complaint_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "interactions/complaint_list.html",
        {
            "filter": complaint_filter,
            "page": page,
            "complaints": with_badges(page.object_list),
            "query": query.urlencode(),
            "filtered": is_filtered(request.GET),
        },
    )


def complaint_detail(request, pk):
    complaint = get_object_or_404(
        Complaint.objects.select_related(
            "customer", "customer__owner", "assignee", "opened_by", "interaction"
        ),
        pk=pk,
    )
    return _render_detail(request, complaint)


def _render_detail(
    request, complaint, *, transition_form=None, update_form=None, tell_form=None, status=200
):
    can_work = can_work_complaint(request.user, complaint)
    transitions = [
        (to_status, TRANSITION_LABELS[to_status])
        for to_status in complaint.allowed_transitions()
        if to_status != Complaint.Status.RESOLVED
    ]
    return render(
        request,
        "interactions/complaint_detail.html",
        {
            "complaint": with_badges([complaint])[0],
            "customer": complaint.customer,
            "can_work": can_work,
            "transitions": transitions,
            "can_resolve": Complaint.Status.RESOLVED in complaint.allowed_transitions(),
            "transition_form": transition_form or ComplaintTransitionForm(),
            "update_form": (update_form or ComplaintUpdateForm.for_complaint(complaint))
            if can_work
            else None,
            "events": complaint.events.select_related("actor"),
            "tell_form": (tell_form or ComplaintTellForm.for_complaint(complaint))
            if can_work
            else None,
        },
        status=status,
    )


def complaint_create(request, customer_pk):
    customer = get_object_or_404(Customer.objects.select_related("owner"), pk=customer_pk)
    interaction = _interaction_to_open_from(request, customer)
    if isinstance(interaction, Complaint):
        messages.info(request, _("A case is already open for that complaint."))
        return redirect(interaction)
    form = ComplaintOpenForm(request.POST or None, customer=customer, interaction=interaction)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaints.complaint_open(
                customer=customer,
                summary=data["summary"],
                severity=data["severity"],
                assignee=data["assignee"],
                opened_by=request.user,
                interaction=data["interaction"],
                details=data.get("details", ""),
                channel=data.get("channel") or Interaction.Channel.PHONE,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _opened_message(complaint))
            return redirect(complaint)
    return render(
        request,
        "interactions/complaint_form.html",
        {"form": form, "customer": customer, "interaction": interaction},
    )


def _interaction_to_open_from(request, customer):
    """The ``?interaction=`` to open the case from: None without one, the existing case when it
    already has one, 404 when it is not one of this customer's complaints."""
    raw = request.GET.get("interaction")
    if not raw:
        return None
    pk = parse_id(raw)
    logged = Interaction.objects.filter(customer=customer, kind=Interaction.Kind.COMPLAINT)
    interaction = logged.filter(pk=pk).first() if pk is not None else None
    if interaction is None:
        raise Http404(_("That is not one of this customer's complaints."))
    existing = Complaint.objects.filter(interaction=interaction).first()
    return existing or interaction


def _opened_message(complaint: Complaint) -> str:
    customer = complaint.customer
    if not customer.email:
        tail = _("They have no email address, so tell them yourself.")
    elif customer.email_opt_out:
        tail = _("They opted out of email, so tell them yourself.")
    else:
        tail = _("They will be emailed an acknowledgement.")
    return _("Case #%(number)s opened. %(tail)s") % {"number": complaint.pk, "tail": tail}


@require_POST
def complaint_transition(request, pk):
    complaint = get_complaint_for_work(request, pk)
    form = ComplaintTransitionForm(request.POST)
    if form.is_valid():
        to_status = form.cleaned_data["to_status"]
        try:
            complaints.complaint_transition(
                complaint,
                to_status=to_status,
                actor=request.user,
                resolution_summary=form.cleaned_data["resolution_summary"],
                note=form.cleaned_data["note"],
                cause=form.cleaned_data["cause"],
                sub_cause=form.cleaned_data["sub_cause"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _now(complaint.status) % {"number": complaint.pk})
            _offer_to_tell(request, complaint)
            return redirect(complaint)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    # Shown again rather than redirected, so a typed resolution or note is not lost.
    return _render_detail(request, _for_detail(complaint), transition_form=form)


@require_POST
def complaint_update(request, pk):
    complaint = get_complaint_for_work(request, pk)
    form = ComplaintUpdateForm(request.POST)
    if form.is_valid():
        try:
            complaints.complaint_update(complaint, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case #%(number)s was updated.") % {"number": complaint.pk})
            _offer_to_tell(request, complaint)
            return redirect(complaint)
    messages.error(request, _("The case was not changed: see the form below."))
    return _render_detail(request, _for_detail(complaint), update_form=form)


def _now(status: str) -> str:
    """A whole sentence for each status ("Case #n is now …"): a language may need the status's
    word written otherwise than as its label (German capitals, Spanish agreement)."""
    return {
        Complaint.Status.OPEN: _("Case #%(number)s is now open."),
        Complaint.Status.ACKNOWLEDGED: _("Case #%(number)s is now acknowledged."),
        Complaint.Status.IN_PROGRESS: _("Case #%(number)s is now in progress."),
        Complaint.Status.RESOLVED: _("Case #%(number)s is now resolved."),
        Complaint.Status.CLOSED: _("Case #%(number)s is now closed."),
    }[status]


def _offer_to_tell(request, complaint: Complaint) -> None:
    """After a step, the customer may like to know: "Tell the customer" has the words ready."""
    customer = complaint.customer
    if customer.email and not customer.email_refused:
        messages.info(
            request, _("Tell the customer? A message for this step is ready below to edit.")
        )


@require_POST
def complaint_tell(request, pk):
    """Email the customer the message about where their case stands, as staff edited it."""
    complaint = get_complaint_for_work(request, pk)
    form = ComplaintTellForm(request.POST)
    if form.is_valid():
        try:
            complaints.complaint_customer_told(
                complaint, actor=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your message is on its way to the customer."))
            return redirect(complaint)
    messages.error(request, _("Nothing was sent: see the message below."))
    return _render_detail(request, _for_detail(complaint), tell_form=form)


@require_POST
def complaint_link(request, pk):
    """Stop the customer's old links to the case's page working, and email a new one."""
    complaint = get_complaint_for_work(request, pk)
    if complaints.complaint_link_renew(complaint, actor=request.user):
        messages.success(request, _("The old links no longer work; a new one was emailed."))
    else:
        messages.warning(
            request,
            _("The old links no longer work. The customer takes no email, so none was sent."),
        )
    return redirect(complaint)


def _for_detail(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_related(
        "customer", "customer__owner", "assignee", "opened_by", "interaction"
    ).get(pk=complaint.pk)
