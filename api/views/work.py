"""Complaint cases, follow-ups and reminders."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.roles import can_work_complaint, can_work_follow_up
from customers.models import Customer
from interactions.complaints import services as complaints
from interactions.complaints.forms import (
    ComplaintOpenForm,
    ComplaintTransitionForm,
    ComplaintUpdateForm,
)
from interactions.follow_ups.forms import FollowUpForm
from interactions.follow_ups.services import followup_create, followup_done
from interactions.models import Complaint, FollowUp, Interaction
from interactions.reminders.planning import reminders_for

from ..idempotency import idempotent
from ..serializers import (
    ComplaintOpenInput,
    ComplaintRemedyInput,
    ComplaintSerializer,
    ComplaintTransitionInput,
    FollowUpInput,
    FollowUpSerializer,
    ReminderSerializer,
)
from ..validation import checked, refuse, service_refusal, shape


def _complaint_to_work(request, pk) -> Complaint:
    complaint = get_object_or_404(Complaint.objects.select_related("customer"), pk=pk)
    if not can_work_complaint(request.user, complaint):
        raise PermissionDenied(
            "Only the assignee, the customer's owner or a manager can move this case along."
        )
    return complaint


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=Complaint.Status.values),
        OpenApiParameter("mine", bool, description="Only the cases assigned to you"),
    ]
)
class ComplaintList(generics.ListAPIView):
    """Complaint cases, newest first; open one."""

    serializer_class = ComplaintSerializer

    def get_queryset(self):
        complaints = Complaint.objects.all()
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Complaint.Status.values:
                refuse({"status": [f"Choose one of: {', '.join(Complaint.Status.values)}."]})
            complaints = complaints.filter(status=wanted)
        if self.request.query_params.get("mine") in ("true", "1"):
            complaints = complaints.filter(assignee=self.request.user)
        return complaints

    @extend_schema(request=ComplaintOpenInput, responses={201: ComplaintSerializer})
    @idempotent
    def post(self, request):
        values = shape(ComplaintOpenInput, request.data)
        customer = Customer.objects.filter(pk=values.pop("customer")).first()
        if customer is None:
            refuse({"customer": ["No customer has that id."]})
        values.setdefault("channel", Interaction.Channel.PHONE)
        form = checked(ComplaintOpenForm(values, customer=customer))
        data = form.cleaned_data
        try:
            complaint = complaints.complaint_open(
                customer=customer,
                summary=data["summary"],
                severity=data["severity"],
                assignee=data["assignee"],
                opened_by=request.user,
                details=data.get("details", ""),
                channel=data["channel"],
            )
        except ValidationError as error:
            service_refusal(error)
        return Response(self.get_serializer(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintDetail(generics.RetrieveAPIView):
    serializer_class = ComplaintSerializer
    queryset = Complaint.objects.all()


class ComplaintTransition(generics.GenericAPIView):
    """Move a case to another status (in progress, resolved, closed, reopened)."""

    serializer_class = ComplaintSerializer

    @extend_schema(request=ComplaintTransitionInput, responses=ComplaintSerializer)
    def post(self, request, pk):
        complaint = _complaint_to_work(request, pk)
        form = checked(ComplaintTransitionForm(shape(ComplaintTransitionInput, request.data)))
        try:
            complaints.complaint_transition(complaint, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            service_refusal(error)
        return Response(self.get_serializer(Complaint.objects.get(pk=pk)).data)


class ComplaintRemedy(generics.GenericAPIView):
    """Record the remedy offered, and whether the customer accepted it."""

    serializer_class = ComplaintSerializer

    @extend_schema(request=ComplaintRemedyInput, responses=ComplaintSerializer)
    def post(self, request, pk):
        complaint = _complaint_to_work(request, pk)
        values = shape(ComplaintRemedyInput, request.data)
        form = checked(ComplaintUpdateForm({**values, "assignee": complaint.assignee_id}))
        try:
            complaints.complaint_update(
                complaint,
                actor=request.user,
                remedy=form.cleaned_data["remedy"],
                remedy_accepted=form.cleaned_data["remedy_accepted"],
            )
        except ValidationError as error:
            service_refusal(error)
        return Response(self.get_serializer(Complaint.objects.get(pk=pk)).data)


class FollowUpList(generics.ListAPIView):
    """Your open follow-ups, soonest first is what My day shows; here newest first."""

    serializer_class = FollowUpSerializer

    def get_queryset(self):
        return FollowUp.objects.filter(assignee=self.request.user, done_at__isnull=True)


class CustomerFollowUps(generics.GenericAPIView):
    """Add a follow-up on a customer (assigned to you unless you name someone)."""

    serializer_class = FollowUpSerializer

    @extend_schema(request=FollowUpInput, responses={201: FollowUpSerializer})
    @idempotent
    def post(self, request, pk):
        customer = get_object_or_404(Customer, pk=pk)
        values = shape(FollowUpInput, request.data)
        values.setdefault("assignee", request.user.pk)
        form = checked(FollowUpForm(values, customer=customer, user=request.user))
        try:
            follow_up = followup_create(
                customer=customer, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            service_refusal(error)
        return Response(self.get_serializer(follow_up).data, status=status.HTTP_201_CREATED)


class FollowUpDone(generics.GenericAPIView):
    """Mark a follow-up done (again is harmless: it stays done when it was first done)."""

    serializer_class = FollowUpSerializer

    @extend_schema(request=None, responses=FollowUpSerializer)
    def post(self, request, pk):
        follow_up = get_object_or_404(FollowUp.objects.select_related("customer"), pk=pk)
        if not can_work_follow_up(request.user, follow_up):
            raise PermissionDenied(
                "Only the assignee, whoever created it, or a manager can change this follow-up."
            )
        followup_done(follow_up)
        return Response(self.get_serializer(FollowUp.objects.get(pk=pk)).data)


class ReminderList(generics.ListAPIView):
    """What asks for your attention today, as the reminders page shows it."""

    serializer_class = ReminderSerializer

    def get_queryset(self):
        return reminders_for(self.request.user, timezone.localdate()).select_related(None)
