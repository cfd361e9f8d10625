"""No key ships with the source: a development install makes its own once and keeps it under
var/; production must be given one; the Docker image runs with DEBUG off."""

import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

from config.secret_key import development_secret_key

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", ".hypothesis"}
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".md", ".toml", ".yml", ".yaml", ".cfg", ".ini", ".sh"}
SOURCE_NAMES = {"Dockerfile", "Makefile", "Procfile", "run"}


def _source_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder, name)
            if path.suffix in SOURCE_SUFFIXES or name in SOURCE_NAMES:
                yield path


def test_no_development_key_is_shipped_in_the_source():
    shipped = "django-" + "insecure"  # spelled apart, so this file does not find itself
    files = list(_source_files())

    offenders = [
        str(p.relative_to(ROOT)) for p in files if shipped in p.read_text(errors="replace")
    ]

    assert ROOT / "config" / "settings.py" in files
    assert offenders == []


def _settings_key(var_dir, **env_overrides):
    """SECRET_KEY as a fresh process loads the settings, with no SECRET_KEY in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        RAPPORT_VAR_DIR=str(var_dir),
        # Loading the settings connects to nothing; named, so none is started for the test.
        DATABASE_URL="postgres://unused@127.0.0.1:9/unused",
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_development_install_makes_its_own_key_once_and_keeps_it(tmp_path):
    first = _settings_key(tmp_path / "one")
    second = _settings_key(tmp_path / "one")
    elsewhere = _settings_key(tmp_path / "two")

    key = first.stdout.strip()
    assert first.returncode == 0, first.stderr
    assert len(key) >= 50
    assert key == (tmp_path / "one" / "secret_key").read_text().strip()
    assert second.stdout.strip() == key
    # Another install (another var folder) has a key of its own.
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert elsewhere.stdout.strip() not in ("", key)


def test_a_configured_key_is_used_and_none_is_made(tmp_path):
    result = _settings_key(tmp_path, SECRET_KEY="k" * 50)

    assert result.stdout.strip() == "k" * 50
    assert not (tmp_path / "secret_key").exists()


def test_production_without_a_key_refuses_to_start_and_makes_none(tmp_path):
    result = _settings_key(tmp_path, DEBUG="0", ALLOWED_HOSTS="crm.example")

    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_key_file_is_readable_by_its_owner_only(tmp_path):
    development_secret_key(tmp_path / "secret_key")

    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_one_key(tmp_path):
    """As when make run starts the web server, the worker and beat at once on a new install."""
    for attempt in range(10):
        path = tmp_path / str(attempt) / "secret_key"
        start = threading.Barrier(8)
        keys = []

        def read_key(path=path, start=start, keys=keys):
            start.wait()
            keys.append(development_secret_key(path))

        threads = [threading.Thread(target=read_key) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(keys) == 8
        assert len(set(keys)) == 1
        assert len(keys[0]) >= 50
        # Nothing is left behind but the key itself.
        assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_the_docker_image_runs_with_debug_off():
    dockerfile = (ROOT / "Dockerfile").read_text()
    env_lines = [line for line in dockerfile.splitlines() if line.startswith("ENV ")]

    assert any(re.search(r"\bDEBUG=0\b", line) for line in env_lines), env_lines
    assert not re.search(r"\bDEBUG=(1|true|on)\b", dockerfile, re.IGNORECASE)


def test_the_docker_image_leaves_out_a_development_installs_files():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {"var/", ".env", ".venv/"} <= set(ignored)
