"""The customer's profile page, /customers/<id>/.

It lives here rather than in customers because it shows this app's timeline, follow-ups and
complaints, and customers sits below interactions; config/urls.py registers it in the customers
namespace, so it is still "customers:detail"."""

from django.shortcuts import get_object_or_404, render

from core.roles import can_edit_customer, is_manager
from customers.forms import ReassignForm, assignable_users
from customers.models import Customer

from .complaint_views import complaints_for_profile
from .views import profile_context


def customer_detail(request, pk):
    # The tags are read where the page shows them: prefetched, they took longer to load.
    customer = get_object_or_404(Customer.objects.select_related("owner"), pk=pk)
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
            **profile_context(request, customer, people),
        },
    )
