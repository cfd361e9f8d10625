"""core/templatetags/days.py: days and moments as rows write them, the same as Django's date and
timesince filters write them, in the current time zone and language."""

import datetime

from django.template import Context, Template
from django.utils import timezone, translation

from core.templatetags.days import _day_text


def render(source: str, **context) -> str:
    return Template("{% load days %}" + source).render(Context(context))


def test_moments_show_in_the_current_time_zone():
    late_evening = datetime.datetime(2026, 1, 1, 23, 30, tzinfo=datetime.UTC)

    with timezone.override("America/New_York"):
        assert render('{{ at|moment:"j M Y" }}', at=late_evening) == "1 Jan 2026, 18:30"
        assert render('{{ at|day:"j M Y" }}', at=late_evening) == "1 Jan 2026"
    with timezone.override("Asia/Tokyo"):
        assert render('{{ at|moment:"D j M" }}', at=late_evening) == "Fri 2 Jan, 08:30"
        assert render('{{ at|day:"j M Y" }}', at=late_evening) == "2 Jan 2026"
    for day_format in ("j M Y", "j M", "D j M"):
        assert render(f'{{{{ at|moment:"{day_format}" }}}}', at=late_evening) == render(
            f'{{{{ at|date:"{day_format}, H:i" }}}}', at=late_evening
        )
    assert render('{{ at|moment:"j M" }}{{ at|day:"j M" }}', at=None) == ""


def test_days_are_written_once_per_format_and_language():
    _day_text.cache_clear()
    day = datetime.date(2026, 3, 4)

    assert [render('{{ day|day:"D j M" }}', day=day) for _ in range(3)] == ["Wed 4 Mar"] * 3
    assert render('{{ day|day:"j F Y" }}', day=day) == "4 March 2026"
    since = "{{ day|days_since:today }}"
    assert render(since, day=day, today=datetime.date(2026, 3, 11)) == "1\xa0week"
    assert render(since, day=day, today=datetime.date(2026, 3, 11)) == "1\xa0week"
    assert render(since, day=day, today=datetime.date(2026, 4, 20)) == "1\xa0month, 2\xa0weeks"
    with translation.override("de"):
        assert render('{{ day|day:"D j M" }}', day=day) == "Mi 4 Mär"

    info = _day_text.cache_info()
    assert (info.misses, info.hits) == (5, 3)
