"""The customer's profile with its timeline, and logging and correcting interactions."""

import datetime
from functools import lru_cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from core.numbers import parse_id
from core.redirects import safe_next_url
from core.roles import can_edit_customer, can_edit_interaction, can_work_follow_up, is_manager
from customers.erased import customer_gone
from customers.forms import ReassignForm, assignable_users
from customers.models import Customer

from . import services
from .complaints.selectors import complaints_for_profile
from .filters import TimelineFilterForm
from .follow_ups.forms import FollowUpForm, SnoozeForm
from .follow_ups.services import followup_create
from .forms import InteractionForm, local_now_to_the_minute
from .models import Interaction
from .moods import mood_trend
from .reminders.selectors import dismissed_reminders
from .timeline import INTERACTION, timeline_page


def get_interaction_for_edit(request, pk) -> Interaction:
    """The interaction, if this user may correct it: 404 when unknown, 403 when not theirs or
    past the edit window."""
    interaction = get_object_or_404(Interaction.objects.select_related("customer", "author"), pk=pk)
    if not can_edit_interaction(request.user, interaction):
        raise PermissionDenied(
            _("Only the author, within a day of logging it, or a manager can edit this.")
        )
    return interaction


# The profile ----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _blank_log_fields(language: str, zone: str, minute: datetime.datetime) -> SafeString:
    """The logging form's fields, blank but for the time. They are the same on every profile
    within a minute, and drawing their dozen fields took a tenth of the profile's time."""
    form = InteractionForm(with_follow_up=True, initial={"occurred_at": minute})
    return render_to_string("interactions/interaction_fields.html", {"form": form})


def blank_log_fields() -> SafeString:
    return _blank_log_fields(
        translation.get_language(), timezone.get_current_timezone_name(), local_now_to_the_minute()
    )


def profile_context(request, customer: Customer, people: list) -> dict:
    """What the profile shows from this app: the timeline page with its filters, the logging
    form, and the open follow-ups with their add form, given the people its selects offer.
    A fixed number of queries."""
    filter_form = TimelineFilterForm(request.GET or None, people=people)
    page = timeline_page(customer.pk, filter_form.to_filter(), request.GET.get("page"))
    now = timezone.now()
    for entry in page.object_list:
        entry.local_at = timezone.localtime(entry.at)
        if entry.type == INTERACTION:
            entry.can_edit = can_edit_interaction(request.user, entry.object, now)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("follow_up_for", None)

    open_follow_ups = list(customer.follow_ups.open().select_related("assignee"))
    for follow_up in open_follow_ups:
        follow_up.can_work = can_work_follow_up(request.user, follow_up)
    follow_up_for = request.GET.get("follow_up_for", "")
    follow_up_for = follow_up_for if parse_id(follow_up_for) is not None else ""
    return {
        "timeline": page,
        "timeline_filter": filter_form,
        "timeline_query": query.urlencode(),
        "log_fields": blank_log_fields(),
        "open_follow_ups": open_follow_ups,
        "follow_up_form": FollowUpForm(
            customer=customer,
            user=request.user,
            people=people,
            initial={"interaction": follow_up_for},
        ),
        "follow_up_for": follow_up_for,
        "follow_up_labels": SnoozeForm.row_labels(),
        "dismissed_reminders": dismissed_reminders(customer.pk),
        "today": timezone.localdate(),
    }


def customer_detail(request, pk):
    # The tags are read where the page shows them: prefetched, they took longer to load.
    customer = get_object_or_404(
        Customer.objects.select_related("owner", "marketing_consent_by"), pk=pk
    )
    if customer.is_erased:
        return customer_gone(request, customer)
    people = list(assignable_users())
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "can_edit": can_edit_customer(request.user, customer),
            "reassign_form": ReassignForm(initial={"owner": customer.owner_id}, people=people)
            if is_manager(request.user)
            else None,
            "complaints": complaints_for_profile(customer),
            "moods": mood_trend(customer),
            **profile_context(request, customer, people),
        },
    )


# Interactions ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def interaction_log(request, customer_pk):
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = InteractionForm(request.POST if request.method == "POST" else None, with_follow_up=True)
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                interaction = services.interaction_log(
                    customer=customer, author=request.user, **form.interaction_fields()
                )
                follow_up = form.follow_up_fields()
                if follow_up:
                    followup_create(
                        customer=customer,
                        assignee=request.user,
                        created_by=request.user,
                        interaction=interaction,
                        **follow_up,
                    )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("Logged: %(summary)s.") % {"summary": interaction.summary}
            if interaction.is_customer_facing and customer.next_checkin_due:
                message += " " + _("Next check-in due %(date)s.") % {
                    "date": date_format(customer.next_checkin_due, "j F Y")
                }
            if follow_up:
                message += " " + _("Follow-up due %(date)s added for you.") % {
                    "date": date_format(follow_up["due_on"], "j F Y")
                }
            messages.success(request, message)
            return redirect(safe_next_url(request) or customer.get_absolute_url() + "#timeline")
    return render(
        request,
        "interactions/interaction_form.html",
        {"form": form, "customer": customer, "interaction": None, "next": safe_next_url(request)},
    )


@require_http_methods(["GET", "POST"])
def interaction_edit(request, pk):
    interaction = get_interaction_for_edit(request, pk)
    customer = interaction.customer
    form = InteractionForm(request.POST if request.method == "POST" else None, instance=interaction)
    if form.is_bound and form.is_valid():
        try:
            services.interaction_update(interaction, **form.interaction_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes to the interaction were saved."))
            return redirect(safe_next_url(request) or interaction.get_absolute_url())
    return render(
        request,
        "interactions/interaction_form.html",
        {
            "form": form,
            "customer": customer,
            "interaction": interaction,
            "next": safe_next_url(request),
        },
    )
