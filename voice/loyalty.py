"""The loyalty score: five factors, each 0-100, and their weighted mean (see README).

The formula is pure functions on numbers (``factor_*`` and ``loyalty_score``), so each factor
is tested on hand-built cases. ``load_inputs`` reads everything one customer's score needs in a
constant number of queries; ``loyalty_recompute`` stores the result on the customer. It runs
from a task that ``rescoring.schedule_recompute`` enqueues when an input changes, never on a page
view.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from customers.models import Customer
from interactions.models import Complaint, Interaction

from .models import Survey

logger = logging.getLogger(__name__)

WINDOW = datetime.timedelta(days=365)
# How much each factor counts in the score, out of 100.
WEIGHTS = {
    "satisfaction": 30,
    "initiative": 15,
    "repeat_buying": 20,
    "advocacy": 20,
    "resistance": 15,
}
LABELS = {
    "satisfaction": gettext_lazy("Satisfaction"),
    "initiative": gettext_lazy("Initiative"),
    "repeat_buying": gettext_lazy("Repeat buying"),
    "advocacy": gettext_lazy("Advocacy"),
    "resistance": gettext_lazy("Resistance to switching"),
}
# Fewer factors than this with data, and the score would say more than we know.
MIN_FACTORS = 2
REPEAT_BUYING_POINTS = {0: 0, 1: 40, 2: 70}  # three or more: 100
SWITCHING_POINTS = {"no": 100, "rather_not_say": 50, "yes": 0}
UNRESOLVED_COMPLAINT_POINTS = -20
RECOVERED_COMPLAINT_POINTS = 10


@dataclass
class Factor:
    value: int | None  # 0-100, or None when there is nothing to go on
    reason: str


@dataclass
class LoyaltyInputs:
    """What the score is made of, counted over the last 12 months unless said otherwise."""

    ratings: int = 0  # satisfaction ratings (1-5) on interactions, survey answers included
    rating_sum: int = 0
    exceeded: int = 0  # customer-facing interactions by outcome
    met: int = 0
    fell_short: int = 0
    contacts: int = 0  # customer-facing interactions
    started_by_customer: int = 0
    purchases: int = 0
    tenure_days: int = 0  # days since they became a customer
    recommend: int | None = None  # the latest survey answer, however old
    switching: str = ""  # the latest survey answer: "no", "yes", "rather_not_say" or ""
    unresolved_complaints: int = 0  # opened in the window and still open
    recovered_complaints: int = 0  # resolved in the window with the remedy accepted


def _clamp(value: float) -> int:
    # Half up, not to even: 62.5 shows as 63, the way a person rounds.
    return max(0, min(100, int(value + 0.5)))


def factor_satisfaction(inputs: LoyaltyInputs) -> Factor:
    """The mean rating mapped to 0-100 (1 -> 0, 5 -> 100; 50 without ratings), plus up to 20
    for the share of known outcomes that exceeded expectations, minus up to 20 for the share
    that fell short."""
    known = inputs.exceeded + inputs.met + inputs.fell_short
    if not inputs.ratings and not known:
        return Factor(None, _("No ratings or known outcomes this year."))
    if inputs.ratings:
        mean = inputs.rating_sum / inputs.ratings
        base = 25 * (mean - 1)
        rated = ngettext(
            "Rated us %(mean).1f of 5 (%(count)d rating)",
            "Rated us %(mean).1f of 5 on average (%(count)d ratings)",
            inputs.ratings,
        ) % {"mean": mean, "count": inputs.ratings}
    else:
        base = 50
        rated = _("No ratings")
    adjustment = 20 * (inputs.exceeded - inputs.fell_short) / known if known else 0
    if known:
        outcomes = _(
            "%(exceeded)d of %(known)d known outcomes exceeded expectations, "
            "%(fell_short)d fell short"
        ) % {"exceeded": inputs.exceeded, "known": known, "fell_short": inputs.fell_short}
    else:
        outcomes = _("no known outcomes")
    return Factor(_clamp(base + adjustment), f"{rated}; {outcomes}.")


def factor_initiative(inputs: LoyaltyInputs) -> Factor:
    """The share of this year's customer-facing contacts the customer started."""
    if not inputs.contacts:
        return Factor(None, _("No contact this year."))
    return Factor(
        _clamp(100 * inputs.started_by_customer / inputs.contacts),
        ngettext(
            "Started %(started)d of %(count)d contact this year.",
            "Started %(started)d of %(count)d contacts this year.",
            inputs.contacts,
        )
        % {"started": inputs.started_by_customer, "count": inputs.contacts},
    )


def factor_repeat_buying(inputs: LoyaltyInputs) -> Factor:
    """Purchases in the last 12 months: 0, 1, 2, 3 or more score 0, 40, 70, 100. Too new a
    customer with no purchase yet says nothing either way."""
    if not inputs.purchases and inputs.tenure_days < settings.NEW_CUSTOMER_DAYS:
        return Factor(None, _("Too new a customer to judge, and no purchase yet."))
    value = REPEAT_BUYING_POINTS.get(inputs.purchases, 100)
    if not inputs.purchases:
        return Factor(value, _("No purchases in the last 12 months."))
    return Factor(
        value,
        ngettext(
            "%(count)d purchase in the last 12 months.",
            "%(count)d purchases in the last 12 months.",
            inputs.purchases,
        )
        % {"count": inputs.purchases},
    )


def factor_advocacy(inputs: LoyaltyInputs) -> Factor:
    """The latest answer to "how likely are you to recommend us?" (0-10), times ten."""
    if inputs.recommend is None:
        return Factor(None, _("Not asked whether they would recommend us yet."))
    return Factor(
        _clamp(10 * inputs.recommend),
        _("Would recommend us %(score)d out of 10.") % {"score": inputs.recommend},
    )


def factor_resistance(inputs: LoyaltyInputs) -> Factor:
    """From the latest switching answer (no 100, rather not say 50, yes 0; 50 when not asked),
    minus 20 per complaint this year still unresolved, plus 10 per complaint put right with
    a remedy they accepted."""
    unresolved, recovered = inputs.unresolved_complaints, inputs.recovered_complaints
    if not inputs.switching and not unresolved and not recovered:
        return Factor(None, _("Not asked about switching, and no complaints this year."))
    base = SWITCHING_POINTS.get(inputs.switching, 50)
    answer = {
        "no": _("Has not considered switching"),
        "yes": _("Has considered switching"),
        "rather_not_say": _("Would rather not say whether they considered switching"),
    }.get(inputs.switching, _("Not asked about switching"))
    complaints = []
    if unresolved:
        complaints.append(
            ngettext(
                "%(count)d complaint this year still open",
                "%(count)d complaints this year still open",
                unresolved,
            )
            % {"count": unresolved}
        )
    if recovered:
        complaints.append(
            ngettext(
                "%(count)d complaint put right with a remedy they accepted",
                "%(count)d complaints put right with a remedy they accepted",
                recovered,
            )
            % {"count": recovered}
        )
    value = base + UNRESOLVED_COMPLAINT_POINTS * unresolved + RECOVERED_COMPLAINT_POINTS * recovered
    reason = f"{answer}; {', '.join(complaints)}" if complaints else answer
    return Factor(_clamp(value), f"{reason}.")


FACTORS = {
    "satisfaction": factor_satisfaction,
    "initiative": factor_initiative,
    "repeat_buying": factor_repeat_buying,
    "advocacy": factor_advocacy,
    "resistance": factor_resistance,
}


def loyalty_factors(inputs: LoyaltyInputs) -> dict[str, Factor]:
    return {name: compute(inputs) for name, compute in FACTORS.items()}


def loyalty_score(factors: dict[str, Factor]) -> int | None:
    """The weighted mean of the factors that have data; None with fewer than two."""
    known = {name: f.value for name, f in factors.items() if f.value is not None}
    if len(known) < MIN_FACTORS:
        return None
    weight = sum(WEIGHTS[name] for name in known)
    return _clamp(sum(WEIGHTS[name] * value for name, value in known.items()) / weight)


def load_inputs(customer: Customer, now: datetime.datetime | None = None) -> LoyaltyInputs:
    """Everything the score needs, in three queries: interactions, complaints, latest answer."""
    now = now or timezone.now()
    since = now - WINDOW
    facing = Q(kind__in=Interaction.CUSTOMER_FACING)
    counts = Interaction.objects.filter(customer_id=customer.pk, occurred_at__gte=since).aggregate(
        ratings=Count("satisfaction"),
        rating_sum=Sum("satisfaction"),
        exceeded=Count("id", filter=facing & Q(outcome=Interaction.Outcome.EXCEEDED)),
        met=Count("id", filter=facing & Q(outcome=Interaction.Outcome.MET)),
        fell_short=Count("id", filter=facing & Q(outcome=Interaction.Outcome.FELL_SHORT)),
        contacts=Count("id", filter=facing),
        started_by_customer=Count(
            "id", filter=facing & Q(initiated_by=Interaction.Initiator.CUSTOMER)
        ),
        purchases=Count("id", filter=Q(kind=Interaction.Kind.PURCHASE)),
    )
    complaints = Complaint.objects.filter(customer_id=customer.pk).aggregate(
        unresolved=Count("id", filter=Q(status__in=Complaint.OPEN_STATUSES, opened_at__gte=since)),
        recovered=Count(
            "id",
            filter=Q(
                status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED],
                resolved_at__gte=since,
                remedy_accepted=True,
            ),
        ),
    )
    latest = (
        Survey.objects.filter(customer_id=customer.pk, answered_at__isnull=False)
        .order_by("-answered_at", "-id")
        .values("recommend", "considered_switching")
        .first()
    ) or {}
    return LoyaltyInputs(
        ratings=counts["ratings"],
        rating_sum=counts["rating_sum"] or 0,
        exceeded=counts["exceeded"],
        met=counts["met"],
        fell_short=counts["fell_short"],
        contacts=counts["contacts"],
        started_by_customer=counts["started_by_customer"],
        purchases=counts["purchases"],
        tenure_days=(timezone.localdate(now) - customer.customer_since).days,
        recommend=latest.get("recommend"),
        switching=latest.get("considered_switching") or "",
        unresolved_complaints=complaints["unresolved"],
        recovered_complaints=complaints["recovered"],
    )


def loyalty_recompute(customer_id: int, now: datetime.datetime | None = None) -> int | None:
    """Recompute and store one customer's score and factors; returns the score.

    A plain UPDATE: it leaves ``updated_at`` and the audit trail alone, and a customer deleted
    meanwhile is simply skipped."""
    now = now or timezone.now()
    customer = Customer.objects.filter(pk=customer_id).only("pk", "customer_since").first()
    if customer is None:
        return None
    factors = loyalty_factors(load_inputs(customer, now))
    score = loyalty_score(factors)
    Customer.objects.filter(pk=customer_id).update(
        loyalty_score=score,
        loyalty_factors={
            name: {"value": f.value, "reason": f.reason} for name, f in factors.items()
        },
        loyalty_computed_at=now,
    )
    return score


def loyalty_refresh_stale(now: datetime.datetime | None = None, limit: int | None = None) -> int:
    """Recompute the oldest scores (never computed first): the 12-month windows move with
    the calendar even when nothing is logged. Returns how many were recomputed."""
    now = now or timezone.now()
    limit = settings.LOYALTY_REFRESH_BATCH if limit is None else limit
    cutoff = now - datetime.timedelta(days=settings.LOYALTY_REFRESH_DAYS)
    live = Customer.objects.live()
    # Two queries, each walking an index, rather than one "NULLS FIRST" sort of every row.
    ids = list(
        live.filter(loyalty_computed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if len(ids) < limit:
        ids += (
            live.filter(loyalty_computed_at__lt=cutoff)
            .order_by("loyalty_computed_at", "pk")
            .values_list("pk", flat=True)[: limit - len(ids)]
        )
    for customer_id in ids:
        loyalty_recompute(customer_id, now)
    return len(ids)
