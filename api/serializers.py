"""What the API shows of each thing, and the shape of what it takes in.

The serializers of things are used for answers only (views never save through them), so their
fields keep what the model allows (blank, null) for the schema to say.

The input serializers check only the shape of a request (types, lengths, choices); the pages'
own forms then apply every rule, so a request the page would refuse is refused here too."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.fields import CUSTOMER_FIELDS
from customers.models import Customer
from interactions.models import Complaint, FollowUp, Interaction, Reminder


class CustomerSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    archived = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        # The fields a person fills in, as the form and the CSV name them, then the derived ones.
        fields = [
            "id",
            *CUSTOMER_FIELDS,
            "last_contact_at",
            "next_checkin_due",
            "loyalty_score",
            "archived",
            "created_at",
            "updated_at",
            "url",
        ]

    def get_tags(self, customer) -> list[str]:
        names = getattr(customer, "tag_names", None)
        if names is not None:
            return sorted(filter(None, names))
        return sorted(tag.name for tag in customer.tags.all())

    def get_archived(self, customer) -> bool:
        return customer.archived_at is not None

    def get_url(self, customer) -> str:
        return self.context["request"].build_absolute_uri(customer.get_absolute_url())


class CustomerInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(
        choices=Customer._meta.get_field("preferred_channel").choices, required=False
    )
    temperament = serializers.ChoiceField(
        choices=Customer._meta.get_field("temperament").choices, required=False
    )
    expectations = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    unmet_wants = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    customer_since = serializers.DateField(required=False)
    segment = serializers.ChoiceField(choices=Customer.Segment.choices, required=False)
    status = serializers.ChoiceField(choices=Customer.Status.choices, required=False)
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=_("Managers only: the member of staff who looks after them."),
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )
    checkin_cadence_days = serializers.IntegerField(required=False, allow_null=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    email_opt_out = serializers.BooleanField(required=False)
    language = serializers.ChoiceField(
        choices=Customer._meta.get_field("language").choices,
        required=False,
        help_text=_("The language of every email to them."),
    )
    marketing_consent = serializers.BooleanField(
        required=False, help_text=_("They said yes to news and offers by email.")
    )


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "kind",
            "channel",
            "occurred_at",
            "summary",
            "details",
            "initiated_by",
            "outcome",
            "mood",
            "satisfaction",
            "author",
            "created_at",
        ]


class InteractionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices)
    channel = serializers.ChoiceField(choices=Interaction.Channel.choices)
    occurred_at = serializers.DateTimeField(required=False)
    summary = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    initiated_by = serializers.ChoiceField(choices=Interaction.Initiator.choices, required=False)
    outcome = serializers.ChoiceField(choices=Interaction.Outcome.choices, required=False)
    mood = serializers.ChoiceField(
        choices=Interaction.Mood.choices, required=False, allow_null=True
    )
    satisfaction = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=5
    )


class ComplaintSerializer(serializers.ModelSerializer):
    target_status = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "customer",
            "summary",
            "severity",
            "status",
            "assignee",
            "opened_by",
            "opened_at",
            "respond_by",
            "resolve_by",
            "target_status",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "remedy",
            "remedy_accepted",
            "resolution_summary",
            "cause",
            "customer_says_fixed",
            "updated_at",
        ]

    def get_target_status(self, complaint) -> str:
        return complaint.target_status()


class ComplaintOpenInput(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    summary = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=Complaint.Severity.choices)
    assignee = serializers.IntegerField(min_value=1)
    channel = serializers.ChoiceField(choices=Interaction.Channel.choices, required=False)
    details = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class ComplaintTransitionInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Complaint.Status.choices)
    resolution_summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    cause = serializers.ChoiceField(choices=Complaint.Cause.choices, required=False)
    sub_cause = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ComplaintRemedyInput(serializers.Serializer):
    remedy = serializers.ChoiceField(choices=Complaint.Remedy.choices, allow_blank=True)
    remedy_accepted = serializers.BooleanField(required=False, allow_null=True)


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id",
            "customer",
            "summary",
            "due_on",
            "assignee",
            "promised",
            "interaction",
            "complaint",
            "snoozed_until",
            "done_at",
            "done_on_time",
            "created_by",
            "created_at",
        ]


class FollowUpInput(serializers.Serializer):
    summary = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    assignee = serializers.IntegerField(required=False, min_value=1)
    promised = serializers.BooleanField(required=False)
    interaction = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "kind", "detail", "customer", "object_id", "due_on", "state", "created_at"]
