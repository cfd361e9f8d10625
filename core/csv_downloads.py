"""Every CSV file Rapport hands out is written here, so that no cell runs as a formula.

Anyone can put text into Rapport, a visitor to the public feedback form included, and a
spreadsheet runs a cell such as ``=HYPERLINK("http://evil.example", "Click")`` when a manager
opens the file.
"""

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.cache import patch_cache_control

# Spreadsheets run a cell that starts with one of these as a formula. The customer import takes
# the apostrophe that defuse() adds off again, so an exported file imports unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Phone numbers and negative numbers start with + or -, and a spreadsheet does not run them.
_NUMBER_LIKE = re.compile(r"[+-][\d\s().-]*")
FLUSH_AT = 64 * 1024  # characters per piece of the streamed response


def defuse(value) -> str:
    """The cell as text, starting with ' where a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS and not _NUMBER_LIKE.fullmatch(text):
        return "'" + text
    return text


def csv_pieces(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text in pieces, starting with a BOM so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in itertools.chain([header], rows):
        writer.writerow([defuse(cell) for cell in row])
        if buffer.tell() >= FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_download(
    filename: str, header: Iterable, rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """The rows as a streamed CSV attachment named ``filename``, kept out of every cache."""
    response = StreamingHttpResponse(
        csv_pieces(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response
