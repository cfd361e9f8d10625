from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.pagination import FirstPageCountingPaginator
from core.people import person_name
from core.redirects import redirect_to_next
from core.roles import can_edit_customer, is_manager, manager_required

from . import services
from .filters import CustomerFilter, is_filtered
from .forms import CustomerForm, ReassignForm, assignable_users, tags_for_names
from .models import Customer
from .selectors import live_customer_count

PAGE_SIZE = 25


def get_customer_for_edit(request, pk) -> Customer:
    """The customer, if this user may change it: 404 when unknown, 403 when not theirs."""
    customer = get_object_or_404(Customer, pk=pk)
    if not can_edit_customer(request.user, customer):
        raise PermissionDenied(_("Only the owner or a manager can change this customer."))
    return customer


def customer_list(request):
    people = list(assignable_users())
    customer_filter = CustomerFilter(
        request.GET or None, queryset=Customer.objects.for_list(), user=request.user, people=people
    )
    filtered = is_filtered(request.GET)
    paginator = FirstPageCountingPaginator(
        customer_filter.qs, PAGE_SIZE, counter=None if filtered else live_customer_count
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = page.object_list.with_tag_names()
    query = request.GET.copy()
    query.pop("page", None)
    manager = is_manager(request.user)
    return render(
        request,
        "customers/customer_list.html",
        {
            "filter": customer_filter,
            "page": page,
            "query": query.urlencode(),
            "filtered": filtered,
            "reassign_form": ReassignForm(people=people) if manager else None,
        },
    )


def customer_create(request):
    manager = is_manager(request.user)
    form = CustomerForm(request.POST or None, can_choose_owner=manager)
    if request.method == "POST" and form.is_valid():
        fields = form.customer_fields()
        if not manager:
            fields["owner"] = request.user
        customer = services.customer_create(
            tags=tags_for_names(form.cleaned_data["tags_text"]),
            marketing_consent=bool(form.marketing_consent_change()),
            consent_by=request.user,
            **fields,
        )
        messages.success(request, _("%(name)s was added.") % {"name": customer.name})
        return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


def customer_edit(request, pk):
    customer = get_customer_for_edit(request, pk)
    form = CustomerForm(
        request.POST or None, instance=customer, can_choose_owner=is_manager(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.customer_update(
            customer,
            tags=tags_for_names(form.cleaned_data["tags_text"]),
            marketing_consent=form.marketing_consent_change(),
            consent_by=request.user,
            change_reason=services.CORRECTION_REASON
            if form.cleaned_data.get("correction_requested")
            else "",
            **form.customer_fields(),
        )
        messages.success(request, _("Changes to %(name)s were saved.") % {"name": customer.name})
        return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@require_POST
@manager_required
def customer_archive(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    services.customer_archive(customer)
    messages.success(
        request,
        _("%(name)s was archived: they leave lists and reminders, and nothing is deleted.")
        % {"name": customer.name},
    )
    return redirect(customer)


@require_POST
@manager_required
def customer_restore(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    services.customer_restore(customer)
    messages.success(request, _("%(name)s was restored.") % {"name": customer.name})
    return redirect(customer)


@require_POST
@manager_required
def customers_reassign(request):
    form = ReassignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        customers = form.cleaned_data["customers"]
        owner = form.cleaned_data["owner"]
        count = services.customers_reassign(customer_ids=[c.pk for c in customers], owner=owner)
        name = person_name(owner) if owner else _("nobody")
        messages.success(
            request,
            ngettext(
                "%(count)d customer now belongs to %(name)s.",
                "%(count)d customers now belong to %(name)s.",
                count,
            )
            % {"count": count, "name": name},
        )
    return redirect_to_next(request, "customers:list")
