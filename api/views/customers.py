"""Customers and their timelines."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.roles import can_edit_customer, is_manager
from customers import services
from customers.filters import CustomerFilter
from customers.forms import CustomerForm, tags_for_names
from customers.models import Customer
from interactions.forms import InteractionForm
from interactions.models import Interaction
from interactions.services import interaction_log

from ..idempotency import idempotent
from ..permissions import ManagersOnly
from ..serializers import (
    CustomerInput,
    CustomerSerializer,
    InteractionInput,
    InteractionSerializer,
)
from ..validation import checked, current_values, refuse, service_refusal, shape

# The API's names for the page's form fields, where they differ.
CUSTOMER_RENAMES = {"tags_text": "tags"}
# Fields the API takes that the form has otherwise: tags as a list, consent applied as asked.
API_ONLY = ("tags", "marketing_consent")


def _customer_form_data(values: dict) -> dict:
    data = {name: value for name, value in values.items() if name not in API_ONLY}
    if "tags" in values:
        data["tags_text"] = ", ".join(values["tags"])
    return data


def _save_customer(request, customer: Customer | None, values: dict) -> Customer:
    manager = is_manager(request.user)
    if "owner" in values and not manager:
        refuse({"owner": ["Only managers choose a customer's owner."]})
    # What the page's form would start from (a new customer's defaults, or the customer as
    # they are), with what the request sets on top.
    data = current_values(CustomerForm(instance=customer, can_choose_owner=manager))
    data.update(_customer_form_data(values))
    form = checked(
        CustomerForm(data, instance=customer, can_choose_owner=manager), CUSTOMER_RENAMES
    )
    fields = form.customer_fields()
    tags = tags_for_names(form.cleaned_data["tags_text"])
    try:
        if customer is None:
            if not manager:
                fields["owner"] = request.user
            return services.customer_create(
                tags=tags,
                marketing_consent=bool(values.get("marketing_consent")),
                consent_by=request.user,
                **fields,
            )
        return services.customer_update(
            customer,
            tags=tags if "tags" in values else None,
            marketing_consent=values.get("marketing_consent"),
            consent_by=request.user,
            **fields,
        )
    except ValidationError as error:
        service_refusal(error, CUSTOMER_RENAMES)


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="Name, company, email or phone"),
        OpenApiParameter("owner", str, description='"mine", "none" or a member of staff\'s id'),
        OpenApiParameter("status", str, enum=[*Customer.Status.values, "archived"]),
        OpenApiParameter("segment", str, enum=Customer.Segment.values),
        OpenApiParameter("tag", int, description="A tag's id"),
        OpenApiParameter("overdue", bool, description="Only those whose check-in is overdue"),
    ]
)
class CustomerList(generics.ListAPIView):
    """Customers, filtered and searched as on the customer list."""

    serializer_class = CustomerSerializer

    def get_queryset(self):
        customers = CustomerFilter(
            self.request.query_params, queryset=Customer.objects.all(), user=self.request.user
        )
        if not customers.is_valid():
            refuse(customers.errors)
        return customers.qs.select_related(None).prefetch_related("tags")

    @extend_schema(request=CustomerInput, responses={201: CustomerSerializer})
    @idempotent
    def post(self, request):
        customer = _save_customer(request, None, shape(CustomerInput, request.data))
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetail(generics.RetrieveAPIView):
    serializer_class = CustomerSerializer
    queryset = Customer.objects.prefetch_related("tags")

    @extend_schema(request=CustomerInput(partial=True), responses=CustomerSerializer)
    def patch(self, request, pk):
        customer = self.get_object()
        if not can_edit_customer(request.user, customer):
            raise PermissionDenied("Only the owner or a manager can change this customer.")
        values = shape(CustomerInput, request.data, partial=True)
        with transaction.atomic():
            customer = _save_customer(request, customer, values)
        return Response(self.get_serializer(Customer.objects.get(pk=customer.pk)).data)


class CustomerArchive(generics.GenericAPIView):
    """Archive a customer (managers): they leave lists and reminders; nothing is deleted."""

    serializer_class = CustomerSerializer
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ManagersOnly]

    @extend_schema(request=None, responses=CustomerSerializer)
    def post(self, request, pk):
        customer = get_object_or_404(Customer, pk=pk)
        services.customer_archive(customer)
        return Response(self.get_serializer(customer).data)


class CustomerInteractions(generics.ListAPIView):
    """A customer's interactions, newest first; log one."""

    serializer_class = InteractionSerializer

    def get_queryset(self):
        customer = get_object_or_404(Customer, pk=self.kwargs["pk"])
        return Interaction.objects.filter(customer=customer)

    @extend_schema(request=InteractionInput, responses={201: InteractionSerializer})
    @idempotent
    def post(self, request, pk):
        customer = get_object_or_404(Customer, pk=pk)
        values = shape(InteractionInput, request.data)
        data = {**current_values(InteractionForm()), "occurred_at": timezone.now(), **values}
        form = checked(InteractionForm(data))
        try:
            interaction = interaction_log(
                customer=customer, author=request.user, **form.interaction_fields()
            )
        except ValidationError as error:
            service_refusal(error)
        return Response(self.get_serializer(interaction).data, status=status.HTTP_201_CREATED)
