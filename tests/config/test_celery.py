"""A task sent from the web side runs on a real worker and its answer comes back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from config import local_postgres
from config.celery import app as celery_app
from core.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
def test_round_trip_through_a_real_worker_on_redis():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert ping.delay().get(timeout=20) == "pong"


def test_round_trip_on_the_embedded_filesystem_broker(tmp_path):
    """`make run` needs no broker server: the worker picks tasks up from files under var/."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DATABASE_URL"}
    }
    env.update(RAPPORT_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from core.tasks import ping; "
                "print(ping.delay().get(timeout=30))",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        # With no DATABASE_URL, the settings started make run's PostgreSQL in the var folder.
        local_postgres.stop(tmp_path / "postgres")

    assert client.stdout.strip() == "pong", client.stderr
