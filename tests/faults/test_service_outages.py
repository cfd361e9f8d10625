"""The web tier through a Redis restart and a PostgreSQL connection cut.

Everything runs as in production: gunicorn, a celery worker and beat as real processes, set up
through the environment, on the pytest database (the tests commit, so they see its rows). Redis
is a private ``redis-server`` the test starts and stops, never the machine's shared one; email
goes to an aiosmtpd server in this process; the PostgreSQL cut goes through a TCP proxy here.
"""

import contextlib
import dataclasses
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

from core.models import OutgoingEmail
from interactions.models import Complaint
from tests.conftest import REQUIRE_SERVICES
from tests.factories import CustomerFactory, UserFactory
from tests.real_services import Inbox, free_port
from voice.models import FeedbackSubmission

BASE_DIR = Path(settings.BASE_DIR)
# What a person may wait for a page while a service is away; a hung request is a failure.
QUICK_SECONDS = 5.0
FRIENDLY_TEXT = "temporarily unavailable"


# Processes -------------------------------------------------------------------------------------


class Processes:
    """Subprocesses each in a process group of its own, all killed at teardown, whatever
    happened; their output goes to files that failure messages quote."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        # The child keeps its own copy of the file descriptor.
        with open(self.folder / f"{name}.log", "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill_all(self) -> None:
        for name in list(self.running):
            self.stop(name, signal.SIGKILL)

    def output(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} (last lines)\n"
            + "\n".join(path.read_text(errors="replace").splitlines()[-40:])
            for path in sorted(self.folder.glob("*.log"))
        )


@pytest.fixture
def processes(transactional_db, tmp_path):
    # Asks for transactional_db so these stop before it empties the tables under them.
    folder = tmp_path / "logs"
    folder.mkdir()
    running = Processes(folder)
    yield running
    running.kill_all()


def _redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        message = "needs the redis-server binary (apt-get install redis-server)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return binary


def start_redis(processes: Processes, port: int) -> None:
    command = [_redis_server(), "--port", str(port), "--bind", "127.0.0.1"]
    processes.start("redis", [*command, "--save", "", "--appendonly", "no"], os.environ.copy())
    wait_until(lambda: _redis_answers(port), 10, "the private Redis to answer", processes)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(condition, timeout: float, what: str, processes: Processes | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    logs = processes.logs() if processes else ""
    raise AssertionError(f"Gave up after {timeout} s waiting for {what}\n{logs}")


def database_url(port: int | None = None, **options: str) -> str:
    """The pytest database, as the subprocesses reach it (through ``port`` if given)."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    address = f"127.0.0.1:{port}" if port else f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}@{address}/{db['NAME']}{query}"


def service_env(*, database: str, broker: str, smtp_port: int | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "PYTHONUNBUFFERED": "1",
        # The outbox's sweep, which sends what a broker outage lost, every second instead of
        # every minute; the planners, which send nothing lost, out of the way.
        "SEND_EMAILS_EVERY_SECONDS": "1",
        "PLAN_REMINDERS_EVERY_SECONDS": "3600",
        "PLAN_SURVEYS_EVERY_SECONDS": "3600",
        "SEND_DIGESTS_EVERY_SECONDS": "3600",
        "EMAIL_RETRY_BASE_SECONDS": "1",
    }
    for name in ("CELERY_QUEUE", "CELERY_RESULT_BACKEND", "EMAIL_URL"):
        env.pop(name, None)
    if smtp_port:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    return env


def start_web(processes: Processes, env: dict[str, str]) -> str:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--timeout", "60", "--graceful-timeout", "2"]
    processes.start("web", command, env)
    base = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return fetch(base, "/accounts/login/", timeout=5).status == 200
        except OSError:
            return False

    wait_until(answers, 30, "gunicorn to answer", processes)
    return base


def start_worker_and_beat(processes: Processes, env: dict[str, str], folder: Path) -> None:
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    worker = ["worker", "--loglevel", "INFO", "--concurrency", "1"]
    worker += ["--hostname", f"faults-{uuid.uuid4().hex[:8]}@%h"]
    worker += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    processes.start("worker", [*celery, *worker], env)
    beat = ["beat", "--loglevel", "INFO", "--schedule", str(folder / "beat-schedule")]
    processes.start("beat", [*celery, *beat, "--pidfile", str(folder / "beat.pid")], env)


def outbox_state(kind: str, about_id: int) -> str:
    return OutgoingEmail.objects.get(kind=kind, about_id=about_id).state


@contextlib.contextmanager
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


# HTTP -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


def fetch(base: str, path: str, *, cookies=None, form=None, timeout: float = 15.0) -> Reply:
    """One request, redirects not followed, timed."""
    port = int(base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.monotonic()
    try:
        conn.request("POST" if form is not None else "GET", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
    finally:
        conn.close()
    return Reply(response.status, dict(response.getheaders()), text, time.monotonic() - started)


def signed_in_cookies(user) -> dict[str, str]:
    """A session stored in the database, as after a login, and a CSRF secret of our own: the
    form field may carry the unmasked secret."""
    client = Client()
    client.force_login(user)
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: get_random_string(32),
    }


def with_csrf(cookies: dict[str, str], **fields: str) -> dict[str, str]:
    return {"csrfmiddlewaretoken": cookies[settings.CSRF_COOKIE_NAME], **fields}


def file_complaint(base: str, cookies, customer, summary: str) -> Reply:
    form = with_csrf(cookies, summary=summary, severity="normal", channel="phone", details="")
    return fetch(base, f"/customers/{customer.pk}/complaints/new/", cookies=cookies, form=form)


# Redis ----------------------------------------------------------------------------------------


@pytest.mark.redis
def test_web_keeps_serving_through_a_redis_restart_and_the_lost_emails_still_go(
    processes, tmp_path
):
    owner = UserFactory()
    customer = CustomerFactory(owner=owner, email="ada@example.com")
    cookies = signed_in_cookies(owner)
    redis_port = free_port()
    start_redis(processes, redis_port)
    with smtp_inbox() as (inbox, smtp_port):
        env = service_env(
            database=database_url(),
            broker=f"redis://127.0.0.1:{redis_port}/0",
            smtp_port=smtp_port,
        )
        start_worker_and_beat(processes, env, tmp_path)
        base = start_web(processes, env)

        # Before: the whole path works, and the worker is up.
        assert fetch(base, "/healthz").status == 200
        assert file_complaint(base, cookies, customer, "Parcel arrived crushed").status == 302
        inbox.wait_for("ada@example.com", 1)

        processes.stop("redis")

        for path in ("/customers/", f"/customers/{customer.pk}/"):
            page = fetch(base, path, cookies=cookies)
            assert page.status == 200, (path, page.status, processes.logs())
            assert page.seconds < QUICK_SECONDS, (path, page.seconds)

        # Saving something that emails the customer: saved and answered, the email queued.
        filed = file_complaint(base, cookies, customer, "Second parcel lost")
        assert filed.status == 302, (filed.status, processes.logs())
        assert filed.seconds < QUICK_SECONDS, filed.seconds
        lost = Complaint.objects.get(summary="Second parcel lost")
        assert lost.acknowledgement_sent_at is None
        assert outbox_state("complaint-acknowledgement", lost.pk) == OutgoingEmail.State.QUEUED
        feedback = {
            "name": "Grace",
            "email": "grace@example.com",
            "topic": "question",
            "message": "Do you deliver on Sundays?",
        }
        visitor = {settings.CSRF_COOKIE_NAME: get_random_string(32)}
        sent = fetch(base, "/feedback/", cookies=visitor, form=with_csrf(visitor, **feedback))
        assert sent.status == 302, (sent.status, processes.logs())
        assert sent.headers["Location"].endswith("/feedback/thanks/")
        assert sent.seconds < QUICK_SECONDS, sent.seconds
        question = FeedbackSubmission.objects.get(email="grace@example.com")
        assert question.acknowledgement == FeedbackSubmission.Acknowledgement.SENDING
        assert outbox_state("feedback-acknowledgement", question.pk) == OutgoingEmail.State.QUEUED

        health = fetch(base, "/healthz")
        assert health.status == 503
        assert health.headers["Content-Type"] == "application/json"
        assert json.loads(health.body) == {
            "status": "unavailable",
            "database": "ok",
            "broker": "down",
        }
        assert health.seconds < QUICK_SECONDS, health.seconds
        time.sleep(1)  # a few beats fail to publish while Redis is away

        start_redis(processes, redis_port)

        # The worker and beat reconnect by themselves, and the outbox's sweep sends what could
        # not be enqueued during the outage.
        wait_until(
            lambda: fetch(base, "/healthz").status == 200, 15, "healthz to recover", processes
        )
        inbox.wait_for("grace@example.com", 1, timeout=30)
        acknowledgements = inbox.wait_for("ada@example.com", 2, timeout=30)
        assert f"case #{lost.pk}" in acknowledgements[1]["Subject"]
        # The sweep runs every second and each email's task may run too: the claim keeps
        # each to one.
        time.sleep(2)
        assert len(inbox.messages_to("ada@example.com")) == 2
        assert len(inbox.messages_to("grace@example.com")) == 1
        lost.refresh_from_db()
        assert lost.acknowledgement_sent_at is not None
        question.refresh_from_db()
        assert question.acknowledgement == FeedbackSubmission.Acknowledgement.SENT
        assert processes.running["worker"].poll() is None
        assert processes.running["beat"].poll() is None


class HungRedis:
    """Accepts connections and never answers: a paused or wedged Redis, or a half-open
    network. It counts the connections, so a test sees how often the broker was tried."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(client)  # held open, never answered

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.accepted:
            sock.close()


@pytest.fixture
def hung_redis():
    server = HungRedis()
    yield server
    server.close()


@pytest.mark.redis
def test_a_hung_broker_cannot_hold_a_request_for_long(processes, hung_redis):
    owner = UserFactory()
    customer = CustomerFactory(owner=owner, email="ada@example.com")
    cookies = signed_in_cookies(owner)
    base = start_web(processes, service_env(database=database_url(), broker=hung_redis.url))
    filed = file_complaint(base, cookies, customer, "Invoice charged twice")
    assert filed.status == 302, (filed.status, processes.logs())
    # Two enqueues (the acknowledgement and the loyalty score): the first waits for the
    # broker briefly (BROKER_PUBLISH_TIMEOUT_SECONDS), the second is not tried.
    assert filed.seconds < 2, filed.seconds
    assert len(hung_redis.accepted) == 1
    assert Complaint.objects.filter(summary="Invoice charged twice").exists()


@pytest.mark.redis
def test_a_complaint_from_the_public_form_tries_a_hung_broker_once_and_briefly(
    processes, hung_redis
):
    UserFactory(role="Manager")
    base = start_web(processes, service_env(database=database_url(), broker=hung_redis.url))
    visitor = {settings.CSRF_COOKIE_NAME: get_random_string(32)}

    def complain(email: str) -> Reply:
        form = with_csrf(visitor, name="Grace", email=email, topic="complaint")
        form["message"] = "The boiler still leaks."
        sent = fetch(base, "/feedback/", cookies=visitor, form=form)
        assert sent.status == 302, (sent.status, processes.logs())
        assert sent.headers["Location"].endswith("/feedback/thanks/")
        return sent

    # The first request of a process also loads the code behind the form and the broker's.
    complain("ada@example.com")
    assert len(hung_redis.accepted) == 1

    sent = complain("grace@example.com")

    # Its case's acknowledgement and the loyalty score to enqueue: one short try for both, and
    # the sweeps enqueue them once the broker is back.
    assert sent.seconds < 1.5, sent.seconds
    assert len(hung_redis.accepted) == 2
    complaint = Complaint.objects.get(customer__email="grace@example.com")
    assert complaint.acknowledgement_sent_at is None
    submission = FeedbackSubmission.objects.get(email="grace@example.com")
    assert submission.state == FeedbackSubmission.State.PROCESSED


# PostgreSQL ------------------------------------------------------------------------------------


class TcpProxy:
    """Forwards a local port to PostgreSQL; ``cut`` drops every connection and refuses new
    ones, as a failing network or a database restart would; ``resume`` listens again."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None

    def resume(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone may not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            doomed, self.sockets = self.sockets, set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def db_proxy():
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.resume()
    yield proxy
    proxy.cut()


def gunicorn_workers(processes: Processes) -> str:
    master = processes.running["web"].pid
    return Path(f"/proc/{master}/task/{master}/children").read_text().strip()


def assert_friendly_503(reply: Reply, processes: Processes) -> None:
    assert reply.status == 503, (reply.status, reply.body[:2000], processes.logs())
    assert FRIENDLY_TEXT in reply.body
    assert "try again in a minute" in reply.body
    assert "Traceback" not in reply.body
    assert reply.headers["Retry-After"] == "60"
    assert reply.seconds < QUICK_SECONDS, reply.seconds


def test_a_dropped_database_connection_shows_a_friendly_page_then_recovers(processes, db_proxy):
    owner = UserFactory()
    customer = CustomerFactory(owner=owner)
    cookies = signed_in_cookies(owner)
    env = service_env(database=database_url(db_proxy.port), broker="memory://")
    base = start_web(processes, env)
    pages = ("/customers/", f"/customers/{customer.pk}/")
    for path in pages:
        assert fetch(base, path, cookies=cookies).status == 200
    workers = gunicorn_workers(processes)

    db_proxy.cut()

    for path in pages:
        assert_friendly_503(fetch(base, path, cookies=cookies), processes)
    # A visitor sending the public form is answered the same way.
    visitor = {settings.CSRF_COOKIE_NAME: get_random_string(32)}
    form = with_csrf(visitor, name="Grace", email="grace@example.com", topic="question")
    form["message"] = "Do you deliver on Sundays?"
    assert_friendly_503(fetch(base, "/feedback/", cookies=visitor, form=form), processes)
    health = fetch(base, "/healthz")
    assert health.status == 503
    assert json.loads(health.body)["database"] == "down"

    db_proxy.resume()

    for path in pages:
        page = fetch(base, path, cookies=cookies)
        assert page.status == 200, (path, page.status, processes.logs())
    assert gunicorn_workers(processes) == workers, "the web process was restarted"
    assert "Database unavailable: GET /customers/ answered 503" in processes.output("web")


def test_a_terminated_database_backend_is_replaced_on_the_next_request(processes):
    owner = UserFactory()
    cookies = signed_in_cookies(owner)
    name = f"rapport-web-{uuid.uuid4().hex[:8]}"
    env = service_env(database=database_url(application_name=name), broker="memory://")
    base = start_web(processes, env)
    assert fetch(base, "/customers/", cookies=cookies).status == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [name],
        )
        assert [row[0] for row in cursor.fetchall()] == [True]

    # CONN_HEALTH_CHECKS: the persistent connection is found dead before use and replaced.
    statuses = [fetch(base, "/customers/", cookies=cookies).status for _ in range(2)]
    assert 500 not in statuses
    assert statuses[-1] == 200, (statuses, processes.logs())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name])
        assert cursor.fetchone()[0] == 1
