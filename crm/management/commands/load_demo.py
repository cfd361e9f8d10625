"""Demo users and customers for trying Rapport. Idempotent: a second run adds nothing."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from customers.forms import tags_for_names
from customers.models import Customer
from customers.services import customer_create

DEMO_PASSWORD = "rapport-demo"
USERS = [
    ("manager", "Maria", "Lopez", "Manager"),
    ("staff", "Sam", "Okafor", "Staff"),
]
FIRST = """Alice Ben Chloe Daniel Emma Farid Grace Hiro Isla Jonas Kemi Liam Maya Noah Olga Pedro
Quinn Rosa Samir Tara Umar Vera Wen Ximena Yusuf Zoe Amara Bruno Chen Dagny""".split()
LAST = """Adeyemi Brennan Castillo Dubois Eriksen Fischer García Haddad Ivanova Jensen Kowalski
Lindqvist Moreau Nakamura O'Brien Patel Quiroga Rossi Schmidt Tanaka""".split()
COMPANIES = [
    "", "", "", "Harbour Dental", "Bright Paws Grooming", "Northside Physio", "Greenleaf Cafe",
    "Oak & Iron Joinery", "Blue Door Bakery", "Summit Accountants", "Riverside Yoga",
    "Kite Street Garage", "Lumen Photography",
]
EXPECTATIONS = [
    "Same technician every visit; a text the day before.",
    "Quotes in writing before any work starts.",
    "Quick answers by email, no phone calls during work hours.",
    "Weekend appointments and a tidy finish.",
    "To be remembered: asks about the family, likes a chat.",
    "Fixed price, no surprises on the invoice.",
    "",
]
UNMET_WANTS = [
    "Online booking.", "A loyalty discount for monthly visits.", "Evening appointments.",
    "Reminders by text instead of email.", "", "", "A yearly maintenance plan.",
]
TAGS = ["vip", "weekly", "monthly", "referral", "corporate", "price-sensitive", "seasonal"]


class Command(BaseCommand):
    help = "Load the demo logins (manager, staff) and 64 customers. Safe to run more than once."

    @transaction.atomic
    def handle(self, *args, **options):
        users = [self._user(*spec) for spec in USERS]
        existing = set(Customer.objects.values_list("email", flat=True))
        rng = random.Random(20261122)
        today = timezone.localdate()
        created = 0
        for index in range(64):
            first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
            email = f"{slugify(first)}.{slugify(last)}{index}@example.com"
            since = today - datetime.timedelta(days=rng.choice([10, 30, 75, 120, 400, 900, 1500]))
            # Vary the last contact so some customers are due or overdue right now.
            last_contact = timezone.now() - datetime.timedelta(days=rng.randint(0, 120))
            fields = {
                "name": f"{first} {last}",
                "company": rng.choice(COMPANIES),
                "phone": f"+44 7700 9{index:05d}",
                "preferred_channel": rng.choice(Customer.Channel.values),
                "temperament": rng.choice(Customer.Temperament.values),
                "expectations": rng.choice(EXPECTATIONS),
                "unmet_wants": rng.choice(UNMET_WANTS),
                "customer_since": since,
                "status": rng.choices(Customer.Status.values, weights=[2, 12, 3, 1])[0],
                "owner": users[index % 2] if index % 9 else users[1],
                "birthday": datetime.date(1950 + index % 45, 1 + index % 12, 1 + index % 28)
                if index % 3
                else None,
                "email_opt_out": index % 17 == 0,
                "last_contact_at": last_contact if last_contact.date() > since else None,
            }
            if email in existing:
                continue
            customer_create(
                email=email,
                tags=tags_for_names(rng.sample(TAGS, rng.randint(0, 2))),
                **fields,
            )
            created += 1
        self.stdout.write(f"Demo data ready: {created} customers created.")

    def _user(self, username, first_name, last_name, group):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@rapport.example",
                "is_staff": group == "Manager",
                "is_superuser": group == "Manager",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group))
        return user
