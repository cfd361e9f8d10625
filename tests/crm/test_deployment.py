"""docker-compose.yml, the Procfile and the settings describe the same product."""

import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _procfile():
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _program(command: str) -> list[str]:
    """The program and its app: ['celery', '-A', 'crm', 'worker'] or ['gunicorn', 'crm.wsgi']."""
    words = shlex.split(command.split("&&")[-1].strip().strip('"'))
    return words[:4] if words[0] == "celery" else words[:2]


def test_procfile_runs_web_worker_and_beat():
    assert set(_procfile()) == {"web", "worker", "beat"}


def test_compose_has_every_service():
    assert set(_compose()["services"]) == {"web", "worker", "beat", "db", "redis", "mail"}


@pytest.mark.parametrize("process", ["web", "worker", "beat"])
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
    from crm.celery import app

    app.loader.import_default_modules()
    assert "crm.tasks.ping" in app.tasks


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
