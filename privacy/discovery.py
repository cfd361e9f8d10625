"""Which rows hold one customer's data, worked out from the models rather than listed, so that a
table added later is found as well:

- rows that point at the customer, or at a row found so far: by a foreign key or one-to-one, a
  many-to-many declared on the row's model, a generic foreign key (the outbox's "about"), or a
  content type and object id (the admin's log);
- every copy django-simple-history kept of a row found;
- rows a model finds itself through a classmethod ``privacy_rows(customer)``, for data held
  without a foreign key (a webhook delivery's JSON payload);
- in the tables whose rows need not belong to a customer (the outbox, inbound mail, imports,
  announcements, what other apps add), rows that name the customer: one with a text column that
  is one of their email addresses is theirs (an email to them, a message from them); one that
  only mentions them (a digest naming them) is a mention, where erasure replaces their name,
  address and number and keeps the rest.

Other customers' own rows are never searched: a note on someone else's timeline that names them
may be about another person of the same name.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from customers.models import Customer

from .rules import EMAIL, IDENTIFIER_FIELDS, NAME, NOT_SEARCHED_APPS, PHONE

# Shorter names and numbers would match too much that is not them.
MIN_NAME_LENGTH = 3
MIN_PHONE_DIGITS = 6


# The models ------------------------------------------------------------------------------------


@cache
def searched_models() -> tuple[type[models.Model], ...]:
    """Every table of the product's own apps, many-to-many tables included."""
    return tuple(
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in NOT_SEARCHED_APPS
        and not model._meta.proxy
        and model._meta.managed
    )


def history_model(model) -> type[models.Model] | None:
    """The model of django-simple-history's copies of ``model``'s rows, if it keeps any."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


def original_model(model) -> type[models.Model]:
    """The model a historical model copies, or the model itself."""
    return getattr(model, "instance_type", None) or model


@cache
def owned_models() -> frozenset:
    """The models every row of which belongs to a customer: the customer, and those with a
    foreign key that cannot be empty to one of these; with their historical copies."""
    owned = {Customer}
    grew = True
    while grew:
        grew = False
        for model in searched_models():
            if model in owned or original_model(model) is not model:
                continue
            if any(
                f.many_to_one and not f.null and f.related_model in owned
                for f in model._meta.concrete_fields
            ):
                owned.add(model)
                grew = True
    return frozenset(
        model for model in searched_models() if model in owned or original_model(model) in owned
    )


def _is_text(f) -> bool:
    return isinstance(f, models.CharField | models.TextField) and not f.primary_key


def text_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if _is_text(f)]


def json_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]


def binary_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)]


@cache
def unique_fields(model) -> frozenset:
    """Names of the fields that are unique, alone or with others."""
    names = {f.name for f in model._meta.concrete_fields if f.unique}
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()) or ())
    for together in model._meta.unique_together:
        names.update(together)
    return frozenset(names)


@dataclass(frozen=True)
class Link:
    """How rows of ``model`` point at rows of ``target``: ``rows(target, ids)`` finds those
    that point at these rows."""

    model: type
    target: type | None  # None: a generic relation, which may point at any model
    field: str
    content_type_field: str = ""
    as_text: bool = False

    def rows(self, target, ids) -> set:
        manager = self.model._base_manager
        if self.target is None:
            # By the content type's names: get_for_model() would create a missing one, and
            # reading must not write.
            ct = self.content_type_field
            values = [str(pk) for pk in ids] if self.as_text else list(ids)
            queryset = manager.filter(
                **{
                    f"{ct}__app_label": target._meta.app_label,
                    f"{ct}__model": target._meta.model_name,
                    f"{self.field}__in": values,
                }
            )
        else:
            queryset = manager.filter(**{f"{self.field}__in": list(ids)})
        return set(queryset.values_list("pk", flat=True))


@cache
def links() -> tuple[Link, ...]:
    """Every way a row of one table points at a row of another."""
    found = []
    for model in searched_models():
        generic = set()
        for private in model._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                generic.update({private.ct_field, private.fk_field})
                found.append(Link(model, None, private.fk_field, private.ct_field))
        names = {f.name for f in model._meta.concrete_fields}
        if {"content_type", "object_id"} <= names and not generic & {"content_type", "object_id"}:
            content_type = model._meta.get_field("content_type")
            if content_type.related_model is ContentType:
                found.append(Link(model, None, "object_id", "content_type", as_text=True))
        for f in model._meta.get_fields():
            if not f.concrete or not f.is_relation or f.related_model is ContentType:
                continue
            if f.many_to_one or f.one_to_one:
                found.append(Link(model, f.related_model, f.attname))
            elif f.many_to_many:
                found.append(Link(model, f.related_model, f.name))
    return tuple(found)


# Who the customer is ---------------------------------------------------------------------------


@dataclass
class Identifiers:
    """The customer's names, email addresses and phone numbers, as we have held them."""

    names: set = field(default_factory=set)
    emails: set = field(default_factory=set)
    phones: set = field(default_factory=set)

    def add(self, kind: str, value) -> None:
        value = " ".join(str(value or "").split())
        if kind == EMAIL and "@" in value:
            self.emails.add(value.lower())
        elif kind == NAME and len(value) >= MIN_NAME_LENGTH and not value.isdigit():
            self.names.add(value)
        elif kind == PHONE and sum(ch.isdigit() for ch in value) >= MIN_PHONE_DIGITS:
            self.phones.add(value)

    def _terms(self) -> list[tuple[str, bool]]:
        """(value, whole word only), longest first, so the longest match wins."""
        terms = [(name, True) for name in self.names]
        terms += [(value, False) for value in self.emails | self.phones]
        return sorted(terms, key=lambda term: (-len(term[0]), term[0]))

    def sql_pattern(self) -> str:
        """A PostgreSQL regular expression (for ~*) matching any of them."""
        return "|".join(_sql_term(value, word) for value, word in self._terms())

    def regex(self) -> re.Pattern:
        """The same as a Python regular expression."""
        return re.compile(
            "|".join(_python_term(value, word) for value, word in self._terms()), re.IGNORECASE
        )

    def __bool__(self) -> bool:
        return bool(self.names or self.emails or self.phones)


def _sql_term(value: str, whole_word: bool) -> str:
    # In PostgreSQL's regular expressions a backslash before a character that is not a letter
    # or digit stands for that character; \m and \M are the edges of a word.
    escaped = "".join(ch if ch.isalnum() or ch == " " else "\\" + ch for ch in value)
    if whole_word:
        escaped = ("\\m" if value[0].isalnum() else "") + escaped
        escaped += "\\M" if value[-1].isalnum() else ""
    return escaped


def _python_term(value: str, whole_word: bool) -> str:
    escaped = re.escape(value)
    if whole_word:
        escaped = ("\\b" if value[0].isalnum() else "") + escaped
        escaped += "\\b" if value[-1].isalnum() else ""
    return escaped


def identifiers_of(theirs: dict) -> Identifiers:
    found = Identifiers()
    for label, kinds in IDENTIFIER_FIELDS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        ids = theirs.get(model)
        if not ids:
            continue
        rows = model._base_manager.filter(pk__in=ids).values_list(*kinds)
        for row in rows:
            for kind, value in zip(kinds.values(), row, strict=True):
                found.add(kind, value)
    return found


# Finding the rows ------------------------------------------------------------------------------


@dataclass
class Found:
    """A customer's rows by model: ``theirs`` hold their data; ``mentions`` only name them."""

    customer: Customer
    identifiers: Identifiers
    theirs: dict = field(default_factory=dict)
    mentions: dict = field(default_factory=dict)

    def counts(self, rows: dict | None = None) -> dict[str, int]:
        return {
            model._meta.label: len(ids)
            for model, ids in sorted((rows or self.theirs).items(), key=_by_label)
            if ids
        }


def _by_label(item) -> str:
    return item[0]._meta.label


def linked_rows(customer: Customer) -> dict:
    """The rows reached from the customer by the relations between the models."""
    theirs = defaultdict(set)
    theirs[Customer].add(customer.pk)
    frontier = {Customer: {customer.pk}}
    for model in searched_models():
        own_rows = getattr(model, "privacy_rows", None)
        if callable(own_rows):
            frontier.setdefault(model, set()).update(
                own_rows(customer).values_list("pk", flat=True)
            )
            theirs[model] |= frontier[model]
    while frontier:
        reached = defaultdict(set)
        for link in links():
            targets = frontier if link.target is None else {link.target: frontier.get(link.target)}
            for target, ids in targets.items():
                if ids:
                    reached[link.model] |= link.rows(target, ids)
        for model, ids in frontier.items():
            history = history_model(model)
            if history is not None:
                reached[history] |= set(
                    history._base_manager.filter(id__in=list(ids)).values_list("pk", flat=True)
                )
        frontier = {}
        for model, ids in reached.items():
            new = ids - theirs[model]
            if new:
                frontier[model] = new
                theirs[model] |= new
    return dict(theirs)


def _scanned_models():
    owned = owned_models()
    return [
        model
        for model in searched_models()
        if model not in owned and (text_fields(model) or json_fields(model))
    ]


def _belonging_to_a_customer(model) -> Q:
    """The rows of ``model`` that a relation ties to a customer's record: another customer's
    (or theirs, found already). A namesake's must not lose their name."""
    owned = owned_models()
    belonging = Q()
    for f in model._meta.get_fields():
        if not (f.concrete and f.is_relation) or f.related_model not in owned:
            continue
        name = f.name if f.many_to_many else f.attname
        belonging |= Q(**{f"{name}__isnull": False})
    for link in links():
        if link.model is model and link.target is None:
            ct = link.content_type_field
            for target in owned:
                belonging |= Q(
                    **{
                        f"{ct}__app_label": target._meta.app_label,
                        f"{ct}__model": target._meta.model_name,
                    }
                )
    return belonging


def named_rows(identifiers: Identifiers, theirs: dict) -> tuple[dict, dict]:
    """Rows of the tables whose rows need not belong to a customer that name them, beyond
    ``theirs``: (theirs too, mentions). One scan of each such table; rows tied to another
    customer's record are theirs, and left alone."""
    more, mentions = defaultdict(set), defaultdict(set)
    if not identifiers:
        return {}, {}
    pattern = identifiers.sql_pattern()
    for model in _scanned_models():
        texts, jsons = text_fields(model), json_fields(model)
        casts = {f"privacy_{f.attname}": Cast(f.attname, models.TextField()) for f in jsons}
        match = Q()
        for name in [f.attname for f in texts] + list(casts):
            match |= Q(**{f"{name}__iregex": pattern})
        rows = (
            model._base_manager.annotate(**casts)
            .filter(match)
            .exclude(_belonging_to_a_customer(model))
            .values_list("pk", *[f.attname for f in texts])
            .distinct()
        )
        known = theirs.get(model, set())
        for pk, *values in rows:
            if pk in known:
                continue
            exact = any(
                isinstance(value, str) and value.strip().lower() in identifiers.emails
                for value in values
            )
            (more if exact else mentions)[model].add(pk)
    return dict(more), dict(mentions)


def find(customer: Customer) -> Found:
    """Every row that holds the customer's data, and every row that only names them."""
    theirs = linked_rows(customer)
    identifiers = identifiers_of(theirs)
    more, mentions = named_rows(identifiers, theirs)
    for model, ids in more.items():
        theirs.setdefault(model, set()).update(ids)
    return Found(customer=customer, identifiers=identifiers, theirs=theirs, mentions=mentions)
