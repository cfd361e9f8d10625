"""docker-compose.yml, the Procfile and the settings describe the same product."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from honcho.environ import expand_processes, parse_procfile

ROOT = Path(__file__).resolve().parents[2]


def _procfile():
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and line[0] != "#")


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _program(command: str) -> list[str]:
    """The program and its app: ['celery', '-A', 'config', 'worker'], ['gunicorn', …] or
    ['python', 'manage.py', 'inbound_smtp']."""
    words = shlex.split(command.split("&&")[-1].strip().strip('"'))
    while "=" in words[0]:  # an environment variable set for the program
        words.pop(0)
    return words[: {"celery": 4, "python": 3}.get(words[0], 2)]


def test_procfile_runs_web_worker_beat_and_the_receiver():
    assert set(_procfile()) == {"web", "worker", "beat", "inbound"}


def _site_url(command: str, **env) -> str:
    """SITE_URL in a process started by this shell command, in place of its program."""
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    python = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    result = subprocess.run(
        re.sub(r"(gunicorn|celery) .*", lambda _: python, command),
        shell=True,
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip() or result.stderr


def test_make_run_links_emails_to_the_port_the_web_server_listens_on():
    """honcho gives each process a PORT of its own (web 8123, worker 8223, beat 8323), and the
    worker is the one that sends the emails. The receiver only stores mail and sends none."""
    processes = expand_processes(
        parse_procfile((ROOT / "Procfile").read_text()).processes, port=8123
    )

    site_urls = {
        process.name: _site_url(process.cmd, **process.env)
        for process in processes
        if not process.name.startswith("inbound")
    }

    assert site_urls == {
        "web.1": "http://127.0.0.1:8123",
        "worker.1": "http://127.0.0.1:8123",
        "beat.1": "http://127.0.0.1:8123",
    }


def test_site_url_follows_port_unless_the_environment_names_it():
    assert _site_url("celery -A config worker", PORT="9000") == "http://127.0.0.1:9000"
    assert _site_url("celery -A config worker") == "http://127.0.0.1:8000"
    assert (
        _site_url("celery -A config worker", SITE_URL="https://crm.example/")
        == "https://crm.example"
    )


def test_compose_has_every_service():
    assert set(_compose()["services"]) == {
        "web",
        "worker",
        "beat",
        "inbound",
        "db",
        "redis",
        "mail",
    }


@pytest.mark.parametrize("process", ["web", "worker", "beat", "inbound"])
def test_compose_runs_what_the_procfile_runs(process):
    compose_command = _compose()["services"][process]["command"]

    assert _program(compose_command) == _program(_procfile()[process])


def test_app_services_share_one_environment_pointing_at_the_compose_services():
    services = _compose()["services"]
    environments = [services[name]["environment"] for name in ("web", "worker", "beat")]

    assert environments[0] == environments[1] == environments[2]
    env = environments[0]
    assert env["DEBUG"] == "0"
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["EMAIL_URL"] == "smtp://mail:1025"


def test_database_has_a_healthcheck_the_app_waits_for():
    services = _compose()["services"]

    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_worker_finds_the_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    assert "core.tasks.ping" in app.tasks


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
