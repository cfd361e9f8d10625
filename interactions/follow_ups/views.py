"""Follow-ups in the browser: adding one on a profile, marking it done or snoozing it, the list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from core.redirects import safe_next_url
from core.roles import can_work_follow_up, is_manager
from customers.forms import assignable_users
from customers.models import Customer
from interactions.models import FollowUp

from .filters import FollowUpFilter
from .forms import FollowUpForm, SnoozeForm
from .services import followup_create, followup_done, followup_snooze

FOLLOW_UP_PAGE_SIZE = 25
MINE, OVERDUE, TEAM, DONE = "mine", "overdue", "team", "done"
FOLLOW_UP_TABS = (MINE, OVERDUE, TEAM, DONE)


def _profile_url(customer_id: int) -> str:
    return Customer(pk=customer_id).get_absolute_url() + "#follow-ups"


def get_follow_up_to_work(request, pk) -> FollowUp:
    follow_up = get_object_or_404(FollowUp.objects.select_related("customer"), pk=pk)
    if not can_work_follow_up(request.user, follow_up):
        raise PermissionDenied(
            _("Only the assignee, whoever created it, or a manager can change this follow-up.")
        )
    return follow_up


@require_POST
def follow_up_create(request, customer_pk):
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = FollowUpForm(request.POST, customer=customer, user=request.user)
    if form.is_valid():
        try:
            follow_up = followup_create(
                customer=customer, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Follow-up added: %(summary)s, due %(date)s.")
                % {"summary": follow_up.summary, "date": date_format(follow_up.due_on, "j F Y")},
            )
            return redirect(safe_next_url(request) or _profile_url(customer.pk))
    return render(
        request,
        "interactions/follow_up_form.html",
        {"form": form, "customer": customer, "next": safe_next_url(request)},
    )


@require_POST
def follow_up_done(request, pk):
    follow_up = get_follow_up_to_work(request, pk)
    if followup_done(follow_up):
        if follow_up.done_on_time:
            messages.success(request, _("Done on time: %(summary)s.") % {"summary": follow_up})
        else:
            messages.warning(
                request,
                _("Done, but after the due date: %(summary)s.") % {"summary": follow_up},
            )
    else:
        messages.info(request, _("That follow-up was already done."))
    return redirect(safe_next_url(request) or _profile_url(follow_up.customer_id))


@require_POST
def follow_up_snooze(request, pk):
    follow_up = get_follow_up_to_work(request, pk)
    form = SnoozeForm(request.POST)
    if form.is_valid():
        try:
            followup_snooze(follow_up, until=form.cleaned_data["until"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Snoozed until %(date)s: %(summary)s.")
                % {"date": date_format(follow_up.snoozed_until, "l j F"), "summary": follow_up},
            )
            return redirect(safe_next_url(request) or _profile_url(follow_up.customer_id))
    return render(
        request,
        "interactions/follow_up_snooze.html",
        {"form": form, "follow_up": follow_up, "next": safe_next_url(request)},
    )


@require_http_methods(["GET"])
def follow_up_list(request):
    """Follow-ups by tab: mine (open), overdue (mine), done (mine), and for managers the team's
    open ones. Staff asking for the team tab get a 403."""
    user = request.user
    manager = is_manager(user)
    tab = request.GET.get("tab") or MINE
    if tab not in FOLLOW_UP_TABS:
        tab = MINE
    if tab == TEAM and not manager:
        raise PermissionDenied(_("Only managers can see the whole team's follow-ups."))
    today = timezone.localdate()
    follow_ups = FollowUp.objects.select_related("customer", "assignee")
    if tab == MINE:
        follow_ups = follow_ups.open().assigned_to(user).order_by("due_on", "id")
    elif tab == OVERDUE:
        follow_ups = follow_ups.overdue(today).assigned_to(user).order_by("due_on", "id")
    elif tab == TEAM:
        follow_ups = follow_ups.open().order_by("due_on", "id")
    else:
        follow_ups = follow_ups.filter(done_at__isnull=False).assigned_to(user)
        follow_ups = follow_ups.order_by("-done_at", "-id")
    follow_up_filter = FollowUpFilter(
        request.GET or None,
        queryset=follow_ups,
        people=list(assignable_users()) if tab == TEAM else (),
        team=tab == TEAM,
    )
    page = Paginator(follow_up_filter.qs, FOLLOW_UP_PAGE_SIZE).get_page(request.GET.get("page"))
    for follow_up in page.object_list:
        follow_up.can_work = can_work_follow_up(user, follow_up)
    query = request.GET.copy()
    query.pop("page", None)
    tabs = [(MINE, _("Mine")), (OVERDUE, _("Overdue")), (DONE, _("Done"))]
    if manager:
        tabs.insert(2, (TEAM, _("Team")))
    return render(
        request,
        "interactions/follow_up_list.html",
        {
            "tab": tab,
            "tabs": tabs,
            "filter": follow_up_filter,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "follow_up_labels": SnoozeForm.row_labels(),
        },
    )
