"""Every message in the code has a translation in each language Rapport ships, none fuzzy,
each keeping the placeholders of its English, and the catalogues compile.

The first test extracts the messages afresh (Django's makemessages, which needs GNU gettext's
xgettext: .ci/run installs it) in a copy of the project, so a message added to the code without
its translations fails here, not on a customer's screen."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
SKIPPED = shutil.ignore_patterns(
    ".git", ".venv", "var", "node_modules", "__pycache__", "bench", "tests", "*.mo", "static"
)


def _untranslated(po) -> list[str]:
    return [entry.msgid for entry in po if not entry.translated() or entry.fuzzy]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogues as makemessages leaves them in a copy of the project after it reads the
    code again: what the committed translations lack shows as empty or fuzzy."""
    copy = tmp_path_factory.mktemp("project") / "rapport"
    shutil.copytree(ROOT, copy, ignore=SKIPPED)
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete"]
    for language in SHIPPED:
        command += ["-l", language]
    subprocess.run(
        [*command, "--ignore", "bench/*", "--ignore", "tests/*"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    return {
        language: polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        for language in SHIPPED
    }


@pytest.mark.gettext
@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_in_the_code_is_translated(extracted, language):
    missing = _untranslated(extracted[language])
    assert missing == [], f"{language}: {len(missing)} messages lack a translation: {missing[:20]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_the_placeholders_and_plurals(language):
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    wrong = []
    for entry in po:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            forms = entry.msgstr_plural.values()
            wanted_plural = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            wrong += [
                entry.msgid
                for form in forms
                if sorted(PLACEHOLDER.findall(form)) not in (wanted, wanted_plural)
            ]
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != wanted:
            wrong.append(entry.msgid)
    assert wrong == [], f"{language}: placeholders differ from the English in {wrong[:20]}"
    assert po.metadata["Plural-Forms"].startswith("nplurals=2;")


def test_the_catalogues_compile_and_django_reads_them(tmp_path):
    from django.utils import translation

    from config.messages import compile_messages

    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale, ignore=shutil.ignore_patterns("*.mo"))
    assert len(compile_messages(locale)) == len(SHIPPED)
    with translation.override("de"):
        assert translation.gettext("Customers") != "Customers"
    with translation.override("es"):
        assert translation.gettext("Customers") != "Customers"
