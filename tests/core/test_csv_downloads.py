"""Every CSV file Rapport writes goes through core.csv_downloads, which defuses formulas."""

import re
from pathlib import Path

import pytest

from core.csv_downloads import csv_pieces, defuse

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("config", "core", "customers", "front", "interactions", "voice")
# What writing a CSV file looks like: the standard library's writers, or the content type.
CSV_WRITING = re.compile(r"csv\.writer|csv\.DictWriter|text/csv")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_gets_an_apostrophe(start):
    assert defuse(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


@pytest.mark.parametrize("value", ["+44 (0)20 7946-0000", "-12.50", "Ada", "", "2024-01-15"])
def test_phone_numbers_negative_numbers_and_plain_text_are_left_alone(value):
    assert defuse(value) == value


def test_numbers_and_blanks_become_text():
    assert [defuse(5), defuse(None)] == ["5", ""]


def test_the_header_and_every_row_are_defused_after_a_bom():
    text = "".join(csv_pieces(["=name"], [["@me"], ["plain"]]))

    assert text == "\ufeff'=name\r\n'@me\r\nplain\r\n"


def test_only_crm_csv_downloads_writes_csv_files():
    """A CSV written anywhere else would skip the defusing."""
    writers = sorted(
        str(path.relative_to(ROOT))
        for package in PRODUCT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if CSV_WRITING.search(path.read_text())
    )

    assert writers == ["core/csv_downloads.py"]
