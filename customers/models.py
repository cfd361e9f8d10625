import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models.functions import ExtractDay, ExtractMonth, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.links import link
from core.text_search import SEARCH_CONFIG

from .querysets import CustomerQuerySet


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        SMS = "sms", _("Text message")
        IN_PERSON = "in_person", _("In person")

    class Temperament(models.TextChoices):
        DRIVER = "driver", _("Driver")
        ANALYTICAL = "analytical", _("Analytical")
        AMIABLE = "amiable", _("Amiable")
        EXPRESSIVE = "expressive", _("Expressive")
        UNKNOWN = "unknown", _("Unknown")

    TEMPERAMENT_TIPS = {
        Temperament.DRIVER: _(
            "Be brief and direct: lead with the result, offer options, let them decide."
        ),
        Temperament.ANALYTICAL: _(
            "Bring facts and detail in writing, and give them time to weigh it."
        ),
        Temperament.AMIABLE: _(
            "Take time to be personal, reassure them, and never rush a decision."
        ),
        Temperament.EXPRESSIVE: _("Share their enthusiasm, talk about people and the big picture."),
        Temperament.UNKNOWN: _(
            "Listen first: note how they like to talk and decide, then set it here."
        ),
    }

    class Segment(models.TextChoices):
        AUTOMATIC = "", _("Automatic")
        NEW = "new", _("New")
        ESTABLISHED = "established", _("Established")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        LOST = "lost", _("Lost")

    class ConsentSource(models.TextChoices):
        PROFILE = "profile", _("Recorded by staff")
        IMPORT = "import", _("CSV import")
        FORM = "form", _("Public form")
        DOUBLE_OPT_IN = "double_opt_in", _("Confirmed by email link")

    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The phone in E.164, to search by (customers.phones); empty when it does not parse.
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel, default=Channel.EMAIL
    )
    temperament = models.CharField(
        _("temperament"), max_length=20, choices=Temperament, default=Temperament.UNKNOWN
    )
    expectations = models.TextField(
        _("expectations"), blank=True, help_text=_("What they expect from us.")
    )
    unmet_wants = models.TextField(
        _("unmet wants"), blank=True, help_text=_('Answers to "what do you wish we offered?"')
    )
    customer_since = models.DateField(_("customer since"), default=timezone.localdate)
    segment = models.CharField(
        _("segment"),
        max_length=20,
        choices=Segment,
        default=Segment.AUTOMATIC,
        blank=True,
        help_text=_("Automatic: new for the first days after they became a customer."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.ACTIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    checkin_cadence_days = models.PositiveSmallIntegerField(
        _("check-in every (days)"),
        null=True,
        blank=True,
        help_text=_("Leave blank for the segment's default."),
    )
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # Stored rather than computed so the overdue filter and the reminder planner use an index;
    # customers.services.refresh_next_checkin keeps it right whenever an input changes.
    next_checkin_due = models.DateField(_("next check-in due"), null=True, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    email_opt_out = models.BooleanField(
        _("email opt-out"), default=False, help_text=_("Send this customer no email.")
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "Every email to them is written in it, whoever sends it, and their own pages (a "
            "survey, their case) speak it."
        ),
    )
    # Set when mail to the address bounced; no email goes to it until someone changes it.
    email_bouncing_since = models.DateTimeField(
        _("email bouncing since"), null=True, blank=True, editable=False
    )
    # Consent to marketing email (news and offers), written only by customers.services. Service
    # email (cases, surveys) needs none and goes to everyone not opted out. A withdrawal clears
    # the consent and stamps when; the audit trail keeps what was agreed before.
    marketing_consent_at = models.DateTimeField(
        _("agreed to marketing email"), null=True, blank=True, editable=False
    )
    # A database default too: bench/seed.py COPYs customers naming only the columns it fills.
    marketing_consent_source = models.CharField(
        _("marketing consent recorded through"),
        max_length=20,
        choices=ConsentSource,
        blank=True,
        default="",
        db_default="",
    )
    marketing_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marketing consent recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    marketing_consent_withdrawn_at = models.DateTimeField(
        _("withdrew marketing consent"), null=True, blank=True, editable=False
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)
    # Set by privacy.erasure when their personal data was erased at their request: the row stays,
    # with placeholders, so that what they count towards (cases, interactions) keeps counting.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Written only by voice.loyalty.loyalty_recompute, from a task, whenever an input changes.
    # Stored so the list sorts by it and the profile shows it without computing anything.
    loyalty_score = models.PositiveSmallIntegerField(
        _("loyalty score"), null=True, blank=True, editable=False
    )
    loyalty_factors = models.JSONField(_("loyalty factors"), default=dict, editable=False)
    loyalty_computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Loyalty is derived and recomputed often: recording it would bury the real changes.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "loyalty_score", "loyalty_factors", "loyalty_computed_at"]
    )
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="customer_email_unique_ci",
                violation_error_message=_("Another customer already has this email address."),
            ),
        ]
        indexes = [
            # Announcements find the customers whose unmet wants mention their words.
            GinIndex(
                SearchVector("unmet_wants", config=SEARCH_CONFIG), name="customer_unmet_wants_fts"
            ),
            # Sort keys of the list, each with id as a tie-breaker so deep pages stay stable.
            models.Index(fields=["name", "id"], name="customer_name_id"),
            models.Index(fields=["-created_at", "id"], name="customer_created"),
            models.Index(fields=["last_contact_at", "id"], name="customer_last_contact"),
            # Least loyal first. Most loyal first (nulls still last) has its own index, in
            # migration 0006.
            models.Index(fields=["loyalty_score", "id"], name="customer_loyalty"),
            # The loyalty refresh picks the oldest scores first.
            models.Index(fields=["loyalty_computed_at"], name="customer_loyalty_age"),
            models.Index(
                fields=["next_checkin_due", "id"],
                name="customer_checkin_due_live",
                condition=models.Q(archived_at__isnull=True),
            ),
            models.Index(fields=["status"], name="customer_status"),
            # A caller's number, or any run of its digits (pg_trgm, created in migration 0002).
            GinIndex(OpClass("phone_e164", name="gin_trgm_ops"), name="customer_phone_e164_trgm"),
            models.Index(fields=["segment", "customer_since"], name="customer_segment"),
            # Counts of each owner's check-ins due (My day, the dashboard) read the index alone.
            models.Index(
                fields=["owner", "next_checkin_due"],
                name="customer_owner_due_live",
                condition=models.Q(archived_at__isnull=True),
            ),
            # Key-date planning looks up birthdays and anniversaries by month and day.
            models.Index(
                ExtractMonth("birthday"), ExtractDay("birthday"), name="customer_birthday_md"
            ),
            models.Index(
                ExtractMonth("customer_since"),
                ExtractDay("customer_since"),
                name="customer_since_md",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return link("customers:detail", self.pk)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def has_marketing_consent(self) -> bool:
        """They agreed to news and offers by email, and take email at all."""
        return self.marketing_consent_at is not None and not self.email_opt_out

    @property
    def temperament_tip(self) -> str:
        return self.TEMPERAMENT_TIPS[self.temperament]

    def effective_segment(self, today: datetime.date | None = None) -> str:
        if self.segment:
            return self.segment
        today = today or timezone.localdate()
        new_until = self.customer_since + datetime.timedelta(days=settings.NEW_CUSTOMER_DAYS)
        return self.Segment.NEW if today < new_until else self.Segment.ESTABLISHED

    def effective_segment_label(self) -> str:
        return self.Segment(self.effective_segment()).label

    def effective_cadence_days(self, today: datetime.date | None = None) -> int:
        if self.checkin_cadence_days:
            return self.checkin_cadence_days
        return settings.CHECKIN_CADENCE_DAYS[self.effective_segment(today)]

    # A contract may start next year; a later date is a slip in the year, and near year 9999
    # the check-in date could not even be counted.
    CUSTOMER_SINCE_MAX_AHEAD = datetime.timedelta(days=366)

    @classmethod
    def latest_customer_since(cls, today: datetime.date | None = None) -> datetime.date:
        return (today or timezone.localdate()) + cls.CUSTOMER_SINCE_MAX_AHEAD

    @property
    def email_refused(self) -> bool:
        """Opted out of all email, or their address bounces: no email goes to them."""
        return self.email_opt_out or self.email_bouncing_since is not None

    @property
    def phone_is_unreadable(self) -> bool:
        """A phone was typed that does not read as a number, so a search by number misses it."""
        return bool(self.phone) and not self.phone_e164

    def compute_next_checkin_due(self, today: datetime.date | None = None) -> datetime.date:
        """The day a check-in falls due: the cadence counted from the last contact, or from when
        they became a customer if we have never been in touch."""
        if self.last_contact_at:
            start = timezone.localdate(self.last_contact_at)
        else:
            start = self.customer_since
        return start + datetime.timedelta(days=self.effective_cadence_days(today))

    def is_checkin_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.next_checkin_due is not None and self.next_checkin_due < today


class CustomerImport(models.Model):
    """An uploaded CSV: checked by the worker, confirmed by a manager, imported by the worker;
    afterwards, the record of its import."""

    class Duplicates(models.TextChoices):
        SKIP = "skip", _("Skip them: keep the existing customer as it is")
        UPDATE = (
            "update",
            _("Update them: apply the row's filled-in cells to the existing customer"),
        )

    class State(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        READY = "ready", _("Ready to import")
        INVALID = "invalid", _("Has problems to fix")
        IMPORTING = "importing", _("Being imported")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    # The states in which the worker has something to do.
    WORKING_STATES = (State.CHECKING, State.IMPORTING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="customer_imports",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    text = models.TextField(_("contents"))
    duplicates = models.CharField(
        _("existing customers"), max_length=10, choices=Duplicates, default=Duplicates.SKIP
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.CHECKING)
    # What the check found (imports.Preview.as_json), kept so that a view reads it, not redoes it.
    preview = models.JSONField(null=True, blank=True)
    # Progress of the check or the import in hand; rows_total is counted from the lines first,
    # so it is an estimate until the check has read every row.
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    # When the worker last reported progress: a check or an import whose worker went away
    # stops moving, and the sweep queues it again.
    progress_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["progress_at"],
                name="customer_import_working",
                condition=models.Q(state__in=["checking", "importing"]),
            )
        ]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("customers:import-preview", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.state in self.WORKING_STATES

    @property
    def percent_done(self) -> int:
        if self.state == self.State.IMPORTED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def is_imported(self) -> bool:
        return self.state == self.State.IMPORTED


class SuppressedEmail(models.Model):
    """An erased customer's email address, kept only as a keyed hash (customers.suppression), so
    that an import or the public form does not bring them back without anyone noticing."""

    email_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    def __str__(self):
        return f"Suppressed address added {self.created_at:%Y-%m-%d}"
