import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from customers.models import Customer, Tag
from customers.phones import phone_e164

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """UserFactory(role="Manager") puts the user in that group; staff by default."""
        if create:
            self.groups.add(Group.objects.get_or_create(name=extracted or "Staff")[0])
            self.save()


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Faker("name")
    company = factory.Faker("company")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Faker("numerify", text="+44 20 #### ####")
    customer_since = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=365)
    )
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Like customers.services: the stored check-in date and the normalised number follow the
        # other fields unless given.
        customer = model_class(*args, **kwargs)
        if "next_checkin_due" not in kwargs:
            customer.next_checkin_due = customer.compute_next_checkin_due()
        if "phone_e164" not in kwargs:
            customer.phone_e164 = phone_e164(customer.phone)
        customer.save()
        return customer

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)
