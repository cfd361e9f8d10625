import factory

from webhooks.models import WebhookDelivery, WebhookEndpoint


class EndpointFactory(factory.django.DjangoModelFactory):
    """An endpoint subscribed to every event."""

    class Meta:
        model = WebhookEndpoint

    url = "https://hooks.example.com/rapport"
    description = factory.Faker("sentence", nb_words=3)
    events = factory.LazyFunction(lambda: list(WebhookEndpoint.Event.values))
    created_by = None


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(EndpointFactory)
    event = "customer.created"
    event_id = factory.Sequence(lambda n: f"event-{n}")
    payload = factory.LazyAttribute(lambda d: {"id": d.event_id, "event": d.event, "data": {}})
