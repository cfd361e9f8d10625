"""An erased customer's pages answer 410 Gone with a page that says so, never a 404 or a 500.

The profile answers it itself (interactions.views.customer_detail), from the customer it loads
anyway. Every other page of one customer (/customers/<id>/...) is answered here, before its view
runs, so that a page added later is covered without a word of its own.
"""

from django.shortcuts import render

from core.numbers import parse_id

from .models import Customer

# The pages of one customer, by how their route starts, and the argument naming them.
CUSTOMER_ROUTES = {"customers/<int:pk>/": "pk", "customers/<int:customer_pk>/": "customer_pk"}
# The profile checks for itself: it loads the customer anyway, and its queries are counted.
CHECKED_BY_THE_VIEW = {"customers:detail"}


def customer_gone(request, customer: Customer):
    """The friendly 410 page of an erased customer."""
    return render(request, "customers/customer_erased.html", {"customer": customer}, status=410)


class ErasedCustomerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not match or match.view_name in CHECKED_BY_THE_VIEW:
            return None
        argument = next(
            (name for route, name in CUSTOMER_ROUTES.items() if match.route.startswith(route)),
            None,
        )
        customer_id = parse_id(str(view_kwargs.get(argument, "")))
        if customer_id is None:
            return None
        customer = (
            Customer.objects.filter(pk=customer_id, erased_at__isnull=False)
            .only("pk", "erased_at")
            .first()
        )
        return customer_gone(request, customer) if customer else None
