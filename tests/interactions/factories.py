"""Factories for the interactions app: interactions and complaint cases."""

import factory
from django.utils import timezone

from interactions.complaints.services import complaint_targets
from interactions.models import Complaint, ComplaintEvent, Interaction
from tests.factories import CustomerFactory, UserFactory


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    kind = Interaction.Kind.CALL
    summary = factory.Faker("sentence", nb_words=6)
    author = factory.SubFactory(UserFactory)


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A case as complaint_open leaves it, targets computed from severity and opened_at."""

    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    interaction = factory.SubFactory(
        InteractionFactory,
        customer=factory.SelfAttribute("..customer"),
        kind=Interaction.Kind.COMPLAINT,
        summary=factory.SelfAttribute("..summary"),
    )
    summary = factory.Faker("sentence", nb_words=5)
    severity = Complaint.Severity.NORMAL
    assignee = factory.LazyAttribute(lambda c: c.customer.owner)
    opened_by = factory.LazyAttribute(lambda c: c.customer.owner)
    opened_at = factory.LazyFunction(timezone.now)
    respond_by = factory.LazyAttribute(lambda c: complaint_targets(c.severity, c.opened_at)[0])
    resolve_by = factory.LazyAttribute(lambda c: complaint_targets(c.severity, c.opened_at)[1])


class ComplaintEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplaintEvent

    complaint = factory.SubFactory(ComplaintFactory)
    kind = ComplaintEvent.Kind.OPENED
    actor = factory.SelfAttribute("complaint.opened_by")
