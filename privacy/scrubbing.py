"""Replacing personal values: every one of a row that is the customer's, or only their name,
address and number in a row that mentions them. Rows are kept: what the dashboard counts
(kinds, outcomes, dates, ratings, states) stays as it was."""

import re

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Concat

from .discovery import (
    binary_fields,
    json_fields,
    original_model,
    text_fields,
    unique_fields,
)
from .rules import KEPT_FIELDS, OVERRIDES, PLACEHOLDER

KEEP = object()


def _overrides(model) -> dict:
    return OVERRIDES.get(original_model(model)._meta.label, {})


def _kept(model) -> set:
    original = original_model(model)
    return set(KEPT_FIELDS.get(original._meta.label, ())) | set(
        getattr(original, "privacy_kept_fields", ())
    )


def _empty_json(f):
    default = f.get_default()
    if isinstance(default, list):
        return []
    return None if f.null else {}


def _replacement(model, f):
    """What ``f`` of the customer's rows becomes: a value, an expression, or KEEP."""
    overrides = _overrides(model)
    if f.name in overrides:
        return overrides[f.name]
    if f.primary_key or f.is_relation or f.name in _kept(model) or f.choices:
        return KEEP
    if isinstance(f, models.BinaryField):
        return b""
    if isinstance(f, models.JSONField):
        return _empty_json(f)
    if not isinstance(f, models.CharField | models.TextField):
        return KEEP
    if f.name in unique_fields(model):
        if f.null:
            return None  # a token's hash: the link stops working
        if f.name.endswith("_hash"):
            return KEEP
        return Concat(Value("erased-"), Cast("pk", models.CharField()))
    # Empty stays empty ("no details"), anything else becomes the placeholder.
    placeholder = PLACEHOLDER[: f.max_length] if f.max_length else PLACEHOLDER
    if isinstance(f, models.EmailField) and f.blank:
        placeholder = ""
    empty = Q(**{f"{f.name}__isnull": True}) | Q(**{f.name: ""})
    return Case(
        When(empty, then=F(f.name)), default=Value(placeholder), output_field=models.TextField()
    )


def scrub_rows(model, ids) -> int:
    """Replace every personal value of these rows of ``model``; how many rows."""
    if not ids:
        return 0
    assignments = {}
    for f in model._meta.concrete_fields:
        value = _replacement(model, f)
        if value is not KEEP:
            assignments[f.name] = value
    rows = model._base_manager.filter(pk__in=list(ids))
    if not assignments:
        return rows.count()
    return rows.update(**assignments)


def _replace_in_json(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(PLACEHOLDER, value)
    if isinstance(value, list):
        return [_replace_in_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {
            pattern.sub(PLACEHOLDER, key): _replace_in_json(item, pattern)
            for key, item in value.items()
        }
    return value


def scrub_mentions(model, ids, pattern: re.Pattern) -> int:
    """Replace the customer's names, addresses and numbers where these rows of ``model``
    mention them, and drop the raw bytes of a row that does (a stored message cannot be
    edited); how many rows changed."""
    if not ids:
        return 0
    unique, kept = unique_fields(model), _kept(model)
    texts = [
        f
        for f in text_fields(model)
        if f.name not in unique and f.name not in kept and not f.choices
    ]
    jsons, binaries = json_fields(model), binary_fields(model)
    changed = 0
    rows = model._base_manager.filter(pk__in=list(ids)).only("pk", *[f.name for f in texts + jsons])
    for row in rows:
        changes = {}
        for f in texts:
            old = getattr(row, f.attname)
            new = pattern.sub(PLACEHOLDER, old) if old else old
            if new != old:
                changes[f.name] = new[: f.max_length] if f.max_length else new
        for f in jsons:
            old = getattr(row, f.attname)
            new = _replace_in_json(old, pattern)
            if new != old:
                changes[f.name] = new
        if changes:
            changes.update({f.name: b"" for f in binaries})
            model._base_manager.filter(pk=row.pk).update(**changes)
            changed += 1
    return changed
