"""Factories for the timeline: interactions and follow-ups."""

import datetime

import factory
from django.utils import timezone

from interactions.models import FollowUp, Interaction
from tests.factories import CustomerFactory, UserFactory


class InteractionFactory(factory.django.DjangoModelFactory):
    """An interaction as a row; it does not move the customer's last contact (the service does)."""

    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    kind = Interaction.Kind.CALL
    channel = Interaction.Channel.PHONE
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    summary = factory.Faker("sentence", nb_words=6)
    author = factory.LazyAttribute(lambda i: i.customer.owner or UserFactory())


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    customer = factory.SubFactory(CustomerFactory)
    summary = factory.Faker("sentence", nb_words=5)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=2))
    assignee = factory.LazyAttribute(lambda f: f.customer.owner or UserFactory())
    created_by = factory.SelfAttribute("assignee")
