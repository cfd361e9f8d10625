"""A 403 is logged once, on one line: a role's limit is not a fault worth a traceback."""

import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_staff_members_forbidden_request_is_one_record_without_traceback(staff_client, caplog):
    with caplog.at_level(logging.INFO):
        response = staff_client.get("/customers/export.csv")

    assert response.status_code == 403
    forbidden = [record for record in caplog.records if "Forbidden" in record.getMessage()]
    assert [(record.name, record.levelname) for record in forbidden] == [
        ("django.request", "WARNING")
    ]
    assert forbidden[0].exc_info is None


def test_a_403_is_one_line_on_the_console_while_debug():
    """make run's DEBUG: Django's own console handler printed every record beside root's."""
    code = (
        "import django; django.setup()\n"
        "from django.core.exceptions import PermissionDenied\n"
        "from django.http import HttpResponseForbidden\n"
        "from django.test import RequestFactory\n"
        "from django.utils.log import log_response\n"
        "try:\n"
        "    raise PermissionDenied\n"
        "except PermissionDenied as error:\n"
        "    log_response('Forbidden (Permission denied): %s', '/customers/export.csv',\n"
        "        response=HttpResponseForbidden(), request=RequestFactory().get('/'),\n"
        "        exception=error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stderr.splitlines() == ["Forbidden (Permission denied): /customers/export.csv"]
