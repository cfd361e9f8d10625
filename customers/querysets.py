import datetime
from collections import defaultdict

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from .phones import phone_search_digits

# What a row of the customer list shows (templates/customers/customer_list.html).
LIST_FIELDS = (
    "name",
    "company",
    "email",
    "phone",
    "phone_e164",
    "status",
    "archived_at",
    "next_checkin_due",
    "loyalty_score",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


class CustomerQuerySet(models.QuerySet):
    def live(self):
        """Customers that are not archived: the only ones lists and reminders show."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def with_email(self, *addresses: str):
        """Customers at any of these addresses, compared as the unique constraint does. No
        empty address matches, and saying so lets PostgreSQL read the partial index
        customer_email_unique_ci (WHERE email <> '') rather than scan every customer."""
        wanted = {(address or "").strip().lower() for address in addresses} - {""}
        return (
            self.alias(email_lower=Lower("email")).filter(email_lower__in=wanted).exclude(email="")
        )

    def emailable(self):
        """Live customers we may write to: an address, not opted out, not bouncing. Service
        email (a notice, a case) goes to all of them."""
        return (
            self.live()
            .filter(email_opt_out=False, email_bouncing_since__isnull=True)
            .exclude(email="")
        )

    def with_marketing_consent(self):
        """Customers who agreed to marketing email and did not opt out of all email (as
        Customer.has_marketing_consent); chain emailable() for those we can write to now."""
        return self.filter(marketing_consent_at__isnull=False, email_opt_out=False)

    def owned_by(self, user):
        return self.filter(owner=user)

    def checkin_overdue(self, today: datetime.date):
        return self.live().filter(next_checkin_due__lt=today)

    def due_for_checkin(self, today: datetime.date):
        return self.live().filter(next_checkin_due__lte=today)

    def in_segment(self, segment: str, today: datetime.date):
        """Customers whose effective segment is ``segment``: set by hand, or by their age."""
        new_since = today - datetime.timedelta(days=settings.NEW_CUSTOMER_DAYS)
        if segment == "new":
            automatic = models.Q(segment="", customer_since__gt=new_since)
        else:
            automatic = models.Q(segment="", customer_since__lte=new_since)
        return self.filter(models.Q(segment=segment) | automatic)

    def search(self, text: str):
        """Substring match on name, company and email; and, for what looks like a phone
        number, on the numbers' digits whatever their spacing or form (customers.phones).

        Each column has a trigram index (migrations 0002 and 0011), so the match stays fast on
        a large book.
        """
        text = text.strip()
        if not text:
            return self
        match = (
            models.Q(name__icontains=text)
            | models.Q(company__icontains=text)
            | models.Q(email__icontains=text)
        )
        digits = phone_search_digits(text)
        if digits:
            # As typed too, for a number that does not parse and so has no E.164.
            match |= models.Q(phone_e164__contains=digits) | models.Q(phone__icontains=text)
        return self.filter(match)

    def for_list(self):
        """The columns the customer list shows; with_tag_names() adds the tags."""
        return self.select_related("owner").only(*LIST_FIELDS)

    def for_export(self):
        return self.select_related("owner").prefetch_related("tags")

    def with_tag_names(self) -> list:
        """The customers, each with the sorted names of its tags as ``tag_names``.

        One query for a page of rows. prefetch_related("tags") runs a similar query, but its
        machinery (a related manager and a filtered queryset per customer) took longer than
        the query itself.
        """
        customers = list(self)
        names = defaultdict(list)
        if customers:
            links = (
                self.model.tags.through.objects.filter(customer__in=[c.pk for c in customers])
                .order_by("tag__name")
                .values_list("customer_id", "tag__name")
            )
            for customer_id, name in links:
                names[customer_id].append(name)
        for customer in customers:
            customer.tag_names = names[customer.pk]
        return customers
