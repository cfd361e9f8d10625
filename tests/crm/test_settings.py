import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(**env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("missing", "present"),
    [("SECRET_KEY", {"ALLOWED_HOSTS": "crm.example"}), ("ALLOWED_HOSTS", {"SECRET_KEY": "x" * 50})],
)
def test_production_startup_fails_in_one_clear_line_without(missing, present):
    result = _start(DEBUG="0", DJANGO_SETTINGS_MODULE="crm.settings", **present)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Rapport cannot start: {missing} must be set when DEBUG is off."
    ]


def test_production_starts_with_secret_key_and_allowed_hosts():
    result = _start(
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="crm.settings",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="crm.example",
    )

    assert result.returncode == 0, result.stderr


def test_embedded_defaults_need_no_services(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DEBUG"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "crm.settings", "RAPPORT_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "crm.mail.EmlFileBackend",
    ]


def test_eml_backend_writes_one_file_per_message(tmp_path):
    from django.core.mail import EmailMessage, get_connection

    connection = get_connection("crm.mail.EmlFileBackend", file_path=tmp_path)
    sent = connection.send_messages(
        [
            EmailMessage("First", "Body one", to=["a@example.com"]),
            EmailMessage("Second", "Body two", to=["b@example.com"]),
        ]
    )

    files = sorted(tmp_path.glob("*.eml"))
    assert sent == 2
    assert len(files) == 2
    assert {b"Subject: First", b"Subject: Second"} == {
        line for f in files for line in f.read_bytes().splitlines() if line.startswith(b"Subject")
    }
