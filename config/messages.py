"""Compile the translations (locale/<language>/LC_MESSAGES/django.po) into the .mo files Django
reads, with polib, so no GNU gettext is needed to run Rapport. ``make run`` and the test suite
call it; only .po files are committed.

    python -m config.messages
"""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def compile_messages(locale: Path = LOCALE) -> list[Path]:
    """Write each catalogue's .mo beside it when the .po is newer; the .mo files written."""
    written = []
    for po_path in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_messages():
        print(f"compiled {path.relative_to(LOCALE.parent)}")
