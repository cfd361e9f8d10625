"""Production hardening: Django's deployment checks, the content security policy, login
throttling (django-axes), session expiry and password rules."""

import datetime
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _deploy_check(secret_key):
    return _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="crm.example",
    )


def test_deployment_checks_pass_with_debug_off():
    result = _deploy_check(secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deployment_checks_catch_a_weak_secret_key():
    """The check above can fail: a short key is reported, and fails the run."""
    result = _deploy_check("short")

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_settings_turn_on_https_protections():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_REFERRER_POLICY, s.X_FRAME_OPTIONS)"
    )
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "crm.example"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.stdout.split() == ["31536000", "True", "True", "True", "same-origin", "DENY"]


@pytest.mark.parametrize(
    ("proxies", "answer"),
    [("0", "301 https://crm.example/"), ("1", "302 /accounts/login/?next=/")],
)
def test_x_forwarded_proto_skips_the_https_redirect_only_behind_a_trusted_proxy(proxies, answer):
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/', HTTP_HOST='crm.example', HTTP_X_FORWARDED_PROTO='https'); "
        "print(r.status_code, r['Location'])"
    )
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "crm.example",
        "TRUSTED_PROXY_COUNT": proxies,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.stdout.strip() == answer, result.stderr


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_code(client):
    response = client.get("/accounts/login/")

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


INLINE_CODE = re.compile(
    r"""<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>"""  # inline script
    r"""|<style\b"""  # style element
    r"""|\sstyle\s*="""  # style attribute
    r"""|\son[a-z]+\s*=""",  # event handler attribute
    re.IGNORECASE,
)


def test_page_templates_hold_no_inline_script_or_style():
    """The policy would block them, so a page would silently lose them. Emails are exempt:
    mail clients need inline styles and never see the policy."""
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if "emails" not in path.parts
        for match in INLINE_CODE.finditer(path.read_text())
    ]

    assert offenders == []


def test_the_inline_code_scan_finds_what_it_looks_for():
    samples = [
        "<script>alert(1)</script>",
        '<div style="color: red">',
        '<a onclick="go()">',
        "<style>p {}</style>",
    ]
    clean = ['<script src="/static/js/app.js"></script>', '<script type="application/json">']

    assert all(INLINE_CODE.search(sample) for sample in samples)
    assert not any(INLINE_CODE.search(sample) for sample in clean)


# Login throttling ---------------------------------------------------------------------------


def _login(client, username, password, address="198.51.100.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_account_with_a_clear_page(client, staff_user):
    for _ in range(4):
        assert _login(client, "sam", "wrong").status_code == 200
    fifth = _login(client, "sam", "wrong")

    response = _login(client, "sam", PASSWORD)

    assert fifth.status_code == 429
    assert response.status_code == 429
    content = response.content.decode()
    assert "Too many failed logins" in content
    assert "Try again in 15 minutes" in content
    assert SESSION_KEY not in client.session


def test_a_stranger_cannot_lock_a_manager_out_from_the_managers_own_address(client, manager_user):
    attacker, office = "203.0.113.66", "198.51.100.20"
    for _ in range(8):
        _login(client, manager_user.username, "wrong", address=attacker)

    # The pair (manager, attacker's address) is locked, even with the right password...
    assert _login(client, manager_user.username, PASSWORD, address=attacker).status_code == 429
    # ...but the manager at their own address logs in.
    response = _login(client, manager_user.username, PASSWORD, address=office)
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == manager_user.pk


def test_wrong_passwords_spread_over_many_addresses_lock_none_of_them(client, staff_user):
    for n in range(10):
        _login(client, "sam", "wrong", address=f"198.51.100.{n + 1}")

    assert _login(client, "sam", PASSWORD, address="198.51.100.1").status_code == 302


def test_one_address_guessing_many_usernames_is_locked_for_every_username(
    client, staff_user, other_staff_user, settings
):
    assert settings.LOGIN_ADDRESS_USERNAME_LIMIT == 20
    for n in range(19):
        _login(client, f"nobody{n}", "wrong", address="192.0.2.66")
    # One short of the limit, with one failure each: nothing is locked yet.
    assert _login(client, "sam", PASSWORD, address="192.0.2.66").status_code == 302
    client.post("/accounts/logout/")

    twentieth = _login(client, "nobody19", "wrong", address="192.0.2.66")

    assert twentieth.status_code == 429
    blocked = _login(client, "olive", PASSWORD, address="192.0.2.66")
    assert blocked.status_code == 429
    assert "failed for 20 different accounts" in blocked.content.decode()
    assert SESSION_KEY not in client.session
    # Someone else, elsewhere, still gets in.
    response = _login(client, "olive", PASSWORD, address="192.0.2.67")
    assert response.status_code == 302


def test_four_failures_then_success_resets_the_count(client, staff_user):
    for _ in range(4):
        _login(client, "sam", "wrong")
    assert _login(client, "sam", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    for _ in range(4):
        _login(client, "sam", "wrong")

    assert _login(client, "sam", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff_user):
    for _ in range(5):
        _login(client, "sam", "wrong")
    assert _login(client, "sam", PASSWORD).status_code == 429

    # Fifteen minutes and a moment later, as far as the record of failures is concerned.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=5)
    )

    assert _login(client, "sam", PASSWORD).status_code == 302


def test_the_lockout_answers_behind_a_proxy_by_the_real_client_address(
    client, staff_user, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.LOGIN_ADDRESS_USERNAME_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": f"x{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    # The proxy's own address is shared by everyone: only the client behind it is locked.
    blocked = client.post(
        "/accounts/login/",
        {"username": "sam", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    allowed = client.post(
        "/accounts/login/",
        {"username": "sam", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )

    assert blocked.status_code == 429
    assert allowed.status_code == 302


# Sessions and passwords ----------------------------------------------------------------------


def test_a_session_expires_after_a_working_day(client, staff_user, settings):
    assert settings.SESSION_COOKIE_AGE == 10 * 60 * 60
    assert _login(client, "sam", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short1", "This password is too short"),
        ("password123", "This password is too common"),
        ("83920174658", "This password is entirely numeric"),
        ("staff1x9", "The password is too similar"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(staff_client, new_password, message):
    response = staff_client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_request_django_refuses_to_read_gets_a_plain_page_not_a_bare_400(staff_client):
    # More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: Django refuses the body outright.
    response = staff_client.post("/customers/new/", {f"field{n}": "x" for n in range(1001)})

    assert response.status_code == 400
    assert "That request could not be read" in response.content.decode()
