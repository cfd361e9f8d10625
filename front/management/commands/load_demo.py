"""Demo users and customers for trying Rapport. Idempotent: a second run adds nothing."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.tokens import token_hash
from customers.forms import tags_for_names
from customers.models import Customer
from customers.services import customer_create
from insights.computing import insights_compute
from interactions.complaints.services import complaint_open, complaint_transition, complaint_update
from interactions.follow_ups.services import followup_create
from interactions.models import Complaint, ComplaintSubCause, Interaction
from interactions.services import interaction_log
from voice.loyalty import loyalty_recompute
from voice.models import FeedbackSubmission, Survey
from voice.services import client_hash
from voice.surveys import survey_answer

DEMO_PASSWORD = "rapport-demo"
USERS = [
    ("manager", "Maria", "Lopez", "Manager"),
    ("staff", "Sam", "Okafor", "Staff"),
]
FIRST = [
    "Alice",
    "Ben",
    "Chloe",
    "Daniel",
    "Emma",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amara",
    "Bruno",
    "Chen",
    "Dagny",
]
LAST = [
    "Adeyemi",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quiroga",
    "Rossi",
    "Schmidt",
    "Tanaka",
]
COMPANIES = [
    "",
    "",
    "",
    "Harbour Dental",
    "Bright Paws Grooming",
    "Northside Physio",
    "Greenleaf Cafe",
    "Oak & Iron Joinery",
    "Blue Door Bakery",
    "Summit Accountants",
    "Riverside Yoga",
    "Kite Street Garage",
    "Lumen Photography",
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
    "Online booking.",
    "A loyalty discount for monthly visits.",
    "Evening appointments.",
    "Reminders by text instead of email.",
    "",
    "",
    "A yearly maintenance plan.",
]
TAGS = ["vip", "weekly", "monthly", "referral", "corporate", "price-sensitive", "seasonal"]


SUMMARIES = {
    "call": ["Rang to confirm next visit", "Asked about prices for next year", "Quick catch-up"],
    "meeting": ["Reviewed the year's work together", "On-site walk-through"],
    "email": ["Sent the updated quote", "Answered a question about invoices"],
    "check_in": ["Checked in: all well", "Checked in after the last job"],
    "note": ["Prefers mornings; dog in the garden", "Budget tight this quarter"],
    "purchase": ["Booked the annual service", "Bought the premium package"],
    "feedback": ["Praised the technician", "Said the booking was confusing"],
    "follow_up": ["Called back as promised", "Sent the brochure they asked for"],
}
# The trend the dashboard shows after `make run`: customers asking for evening hours, a few a
# season, then six this week; complaints about waiting, most of them down to how we work.
EVENING_WISHES = [
    "Could you do evening appointments? I am at work all day.",
    "Any chance of evenings? Mornings are impossible for me.",
    "I would book more often if you opened in the evening.",
    "Please think about evening slots, even one a week.",
    "Evenings would suit us much better.",
    "Is there an evening service? My partner works days too.",
]
WAITING_COMPLAINTS = [
    ("Waited three weeks for a booking", Complaint.Cause.SYSTEM, "Long wait"),
    ("Booking line engaged all morning", Complaint.Cause.SYSTEM, "Long wait"),
    ("Told to fill in the same form twice", Complaint.Cause.SYSTEM, "Complicated procedure"),
    ("Nobody said the visit was moved", Complaint.Cause.SYSTEM, "Unclear information"),
    ("Part failed again within a month", Complaint.Cause.VALUE, "Poor quality"),
    ("Engineer was short with my mother", Complaint.Cause.PEOPLE, "Rude or indifferent"),
]

COMPLAINTS = [
    ("Technician arrived two hours late", "high"),
    ("Invoice charged twice", "urgent"),
    ("Work left unfinished", "normal"),
    ("Rude phone call", "low"),
]


class Command(BaseCommand):
    help = "Load the demo logins (manager, staff) and 64 customers with a year of history."

    @transaction.atomic
    def handle(self, *args, **options):
        users = [self._user(*spec) for spec in USERS]
        existing = set(Customer.objects.values_list("email", flat=True))
        rng = random.Random(20261122)
        today = timezone.localdate()
        created = []
        for index in range(64):
            first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
            email = f"{slugify(first)}.{slugify(last)}{index}@example.com"
            since = today - datetime.timedelta(days=rng.choice([10, 30, 75, 120, 400, 900, 1500]))
            owner = users[index % 2] if index % 9 else users[1]
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
                "owner": owner,
                "birthday": datetime.date(1950 + index % 45, 1 + index % 12, 1 + index % 28)
                if index % 3
                else None,
                "email_opt_out": index % 17 == 0,
            }
            if email in existing:
                continue
            customer = customer_create(
                email=email, tags=tags_for_names(rng.sample(TAGS, rng.randint(0, 2))), **fields
            )
            self._history(customer, users, rng, index)
            created.append(customer.pk)
        if created:
            self._trends(Customer.objects.filter(pk__in=created).order_by("pk"), users, rng)
        # Directly, not through Celery: the worker may not be running yet. Only this run's
        # customers, so a second run changes nothing.
        for customer_id in created:
            loyalty_recompute(customer_id)
        insights_compute()
        self.stdout.write(f"Demo data ready: {len(created)} customers created.")

    def _history(self, customer, users, rng, index):
        """A plausible past: interactions of every kind, some complaints, promises to keep.

        Every third customer was last heard from long ago, so check-ins are due right now."""
        now = timezone.now()
        first_day = max((now.date() - customer.customer_since).days, 1)
        quiet_for = rng.randint(70, 150) if index % 3 == 0 else rng.randint(0, 40)
        for _ in range(rng.randint(2, 9)):
            kind = rng.choice(list(SUMMARIES))
            days_ago = rng.randint(quiet_for, max(quiet_for, min(first_day, 365)))
            interaction_log(
                customer=customer,
                author=rng.choice(users),
                kind=kind,
                channel=rng.choice(Interaction.Channel.values),
                summary=rng.choice(SUMMARIES[kind]),
                occurred_at=now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 8)),
                initiated_by=rng.choice(Interaction.Initiator.values),
                outcome=rng.choices(Interaction.Outcome.values, weights=[2, 6, 1, 3])[0],
                satisfaction=rng.choice([None, 3, 4, 5, 5, 2]),
            )
        if index % 8 == 1:
            summary, severity = COMPLAINTS[index // 8 % len(COMPLAINTS)]
            hours_ago = rng.choice([2, 30, 200])
            complaint = complaint_open(
                customer=customer,
                summary=summary,
                severity=severity,
                opened_by=customer.owner,
                details="The customer rang, upset; details as they told them.",
                opened_at=now - datetime.timedelta(hours=hours_ago),
            )
            if index % 16 == 1:
                complaint_transition(complaint, to_status="acknowledged", actor=customer.owner)
                complaint_update(
                    complaint, actor=customer.owner, remedy="refund", remedy_accepted=True
                )
                complaint_transition(
                    complaint,
                    to_status="resolved",
                    actor=customer.owner,
                    resolution_summary="Refunded the second charge and apologised by phone.",
                )
                self._survey(customer, rng, days_ago=0, complaint=complaint)
        if index % 4 == 0 and not customer.email_opt_out:
            self._survey(customer, rng, days_ago=rng.randint(5, 120))
        if index % 5 == 2:
            followup_create(
                customer=customer,
                summary="Call back about the quote, as promised",
                due_on=now.date() - datetime.timedelta(days=index % 3),
                assignee=customer.owner,
                created_by=customer.owner,
                promised=index % 2 == 0,
            )

    def _trends(self, customers, users, rng):
        """What the dashboard's trend cards show: a rising theme with its customers, a cause
        that dominates, and one customer whose mood fell."""
        now = timezone.now()
        customers = list(customers)
        for weeks_ago, customer in zip((3, 5, 8), customers[40:43], strict=True):
            self._said(
                customer, EVENING_WISHES[weeks_ago % 6], now - datetime.timedelta(weeks=weeks_ago)
            )
        for n, customer in enumerate(customers[:6]):
            self._said(customer, EVENING_WISHES[n], now - datetime.timedelta(days=n % 5 + 1))
        for n, (summary, cause, sub_cause) in enumerate(WAITING_COMPLAINTS):
            customer = customers[10 + n]
            complaint = complaint_open(
                customer=customer,
                summary=summary,
                severity="normal",
                opened_by=customer.owner,
                opened_at=now - datetime.timedelta(days=6 + n * 4),
            )
            complaint_transition(
                complaint,
                to_status="resolved",
                actor=customer.owner,
                resolution_summary="Apologised and put it right.",
                cause=cause,
                sub_cause=ComplaintSubCause.objects.filter(cause=cause, name=sub_cause).first(),
            )
        fallen = customers[20]
        for days_ago, mood in ((60, 5), (35, 4), (14, 5), (1, Interaction.Mood.ANGRY)):
            interaction_log(
                customer=fallen,
                author=users[1],
                kind="call",
                summary="Called about the next visit" if mood > 2 else "Furious about the bill",
                occurred_at=now - datetime.timedelta(days=days_ago),
                mood=mood,
            )

    def _said(self, customer, message, when):
        """A message from the public form, as the form would have left it."""
        submission = FeedbackSubmission.objects.create(
            name=customer.name,
            email=customer.email,
            topic=FeedbackSubmission.Topic.QUESTION,
            message=message,
            client_hash=client_hash("192.0.2.1"),
            state=FeedbackSubmission.State.PROCESSED,
            acknowledgement=FeedbackSubmission.Acknowledgement.NOT_SENT,
            customer=customer,
            created_at=when,
        )
        submission.interaction = interaction_log(
            customer=customer,
            author=customer.owner,
            kind="feedback",
            channel="web",
            summary=f"Question: {message}"[:200],
            details=message,
            initiated_by="customer",
            occurred_at=when,
        )
        submission.save(update_fields=["interaction"])

    def _survey(self, customer, rng, *, days_ago, complaint=None):
        """A survey the customer was sent and answered ``days_ago``."""
        answered_at = timezone.now() - datetime.timedelta(days=days_ago)
        survey = Survey.objects.create(
            customer=customer,
            reason=Survey.Reason.AFTER_COMPLAINT if complaint else Survey.Reason.PERIODIC,
            complaint=complaint,
            planned_on=timezone.localdate(answered_at),
            created_at=answered_at - datetime.timedelta(days=2),
            state=Survey.State.SENT,
            attempts=1,
            sent_at=answered_at - datetime.timedelta(days=2),
            expires_at=answered_at + datetime.timedelta(days=28),
            # A link nobody has: the demo's surveys are already answered.
            token_hash=token_hash(f"demo-{customer.pk}-{complaint.pk if complaint else 0}"),
        )
        survey_answer(
            survey,
            satisfaction=rng.choice([2, 3, 4, 4, 5, 5]),
            recommend=rng.choice([3, 6, 7, 8, 9, 9, 10]),
            considered_switching=rng.choices(Survey.Switching.values, weights=[6, 2, 1])[0],
            unmet_want=rng.choice(UNMET_WANTS),
            comment=rng.choice(["", "", "Keep it up.", "The new booking page is confusing."]),
            now=answered_at,
        )

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
