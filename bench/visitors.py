"""The virtual users of `make load` (bench/soak.py): a process of their own, one thread each.

    python bench/visitors.py --port 8123 --users 50 --duration 60 --think 1 \\
        --run-id 20260101120000 --customers 1-2000

Each logs in through the login form as bench-staff-<n> (the seeded password), then, once all
are in, loops for --duration seconds over a weighted mix of pages and writes through the real
forms, with a think time between actions. A write carries "load <run-id> u<n> <kind> <seq>" in
its summary or name, and is recorded as confirmed when answered with the expected redirect.
Prints one JSON object: timings per page, errors, and the writes attempted and confirmed.
"""

import argparse
import json
import random
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import LoginFailed, Session  # noqa: E402

PASSWORD = "rapport-bench"  # bench/seed.py's BENCH_PASSWORD: this process never imports Django

# Action -> weight. Roughly one action in six writes.
MIX = {
    "my_day": 18,
    "customer_list": 18,
    "search": 12,
    "profile": 20,
    "complaints": 8,
    "follow_ups": 8,
    "log_interaction": 10,
    "add_follow_up": 4,
    "add_customer": 2,
}


class Forms(HTMLParser):
    """A page's forms as a browser would submit them untouched: each one's action and
    the values of its controls (ticked boxes only; a select's selected option, else its first),
    plus every select's options so a person's choice can be made."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "fields": {}, "options": {}}
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._form["fields"][attrs["name"]] = attrs.get("value") or (
                "on" if kind in {"checkbox", "radio"} else ""
            )
        elif tag == "select":
            self._select = attrs["name"]
            self._form["options"][self._select] = []
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            self._form["options"][self._select].append(value)
            if "selected" in attrs:
                self._form["fields"][self._select] = value
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            options = self._form["options"][self._select]
            if options:
                self._form["fields"].setdefault(self._select, options[0])
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None

    def find(self, action):
        return next((form for form in self.forms if form["action"] == action), None)


class Failure(Exception):
    """A request that did not get the answer a person using the page would get."""


class VirtualUser:
    def __init__(self, number, port, run_id, customers, think, rng):
        self.number, self.port, self.run_id = number, port, run_id
        self.customers, self.think, self.rng = customers, think, rng
        self.username = f"bench-staff-{number}"
        self.session = Session(port)
        self.timings = defaultdict(list)
        self.login_timings = []
        self.errors = []
        self.requests = self.login_requests = 0
        self.writes = defaultdict(lambda: {"attempted": 0, "confirmed": [], "unsure": []})
        self.logged_in = False
        self.locked_out = False
        self.sequence = 0

    # One request, timed under a page name; anything but the expected status is a Failure.
    def fetch(self, page, method, url, expect, body=None):
        headers = {}
        if body is not None:
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{self.port}",
                "Referer": f"http://127.0.0.1:{self.port}{url}",
            }
        started = time.perf_counter()
        self.requests += 1
        try:
            # No retry: with sync workers every response closes its connection, so a failure
            # is the server's, and a POST sent twice would be a write made twice.
            status, response, data = self.session.request(
                method, url, body=body, headers=headers, retry=False
            )
        except Exception as error:  # noqa: BLE001 - every way a request can fail is counted
            raise Failure(f"{method} {url}: {type(error).__name__}: {error}") from error
        self.timings[page].append((time.perf_counter() - started) * 1000)
        if status != expect:
            where = response.getheader("Location") or data[:200].decode("utf-8", "replace")
            raise Failure(f"{method} {url}: HTTP {status} (expected {expect}) {where!r}")
        return response, data.decode("utf-8", "replace")

    def get(self, page, url):
        return self.fetch(page, "GET", url, 200)[1]

    def marker(self, kind):
        self.sequence += 1
        return f"load {self.run_id} u{self.number} {kind} {self.sequence}"

    def submit(self, kind, url, form, values, location_prefix):
        """POST the form with these values; on the expected redirect record the write and
        follow the redirect as a browser would."""
        fields = dict(form["fields"])
        for name, options in form["options"].items():
            if not fields.get(name):
                choices = [option for option in options if option]
                if choices:
                    fields[name] = self.rng.choice(choices)
        fields.update(values)
        marker = values["summary"] if "summary" in values else values["name"]
        record = self.writes[kind]
        record["attempted"] += 1
        try:
            response, _ = self.fetch(
                f"post_{kind}", "POST", url, 302, body=urllib.parse.urlencode(fields)
            )
        except Failure:
            record["unsure"].append(marker)
            raise
        location = response.getheader("Location") or ""
        if not location.startswith(location_prefix):
            record["unsure"].append(marker)
            raise Failure(f"POST {url}: redirected to {location!r}, not {location_prefix}...")
        record["confirmed"].append(marker)
        self.get("profile", location.split("#", 1)[0])

    def customer_id(self):
        return self.rng.randint(*self.customers)

    # The actions -------------------------------------------------------------------------------
    def my_day(self):
        self.get("my_day", "/")

    def customer_list(self):
        page = self.rng.choice([1, 1, 1, 2, 3, self.rng.randint(4, 60)])
        self.get("customer_list", "/customers/" if page == 1 else f"/customers/?page={page}")

    def search(self):
        self.get("search", f"/customers/?q=customer{self.customer_id()}")

    def profile(self):
        self.get("profile", f"/customers/{self.customer_id()}/")

    def complaints(self):
        self.get("complaints", "/complaints/")

    def follow_ups(self):
        self.get("follow_ups", "/follow-ups/")

    def profile_form(self, action_suffix):
        pk = self.customer_id()
        page = Forms(self.get("profile", f"/customers/{pk}/"))
        action = f"/customers/{pk}/{action_suffix}"
        form = page.find(action)
        if form is None:
            raise Failure(f"/customers/{pk}/ has no form posting to {action}")
        return pk, action, form

    def log_interaction(self):
        pk, action, form = self.profile_form("log/")
        marker = self.marker("interaction")
        values = {"summary": marker, "details": "Logged by the load test."}
        self.submit("interaction", action, form, values, f"/customers/{pk}/")

    def add_follow_up(self):
        pk, action, form = self.profile_form("follow-ups/new/")
        marker = self.marker("follow_up")
        self.submit("follow_up", action, form, {"summary": marker}, f"/customers/{pk}/")

    def add_customer(self):
        form = Forms(self.get("customer_form", "/customers/new/")).find("")
        if form is None:
            raise Failure("/customers/new/ has no form")
        marker = self.marker("customer")
        slug = marker.replace(" ", "-")
        values = {"name": marker, "email": f"{slug}@load.example", "company": "Load test"}
        self.submit("customer", "/customers/new/", form, values, "/customers/")

    def log_in(self, start_at):
        """Through the login form, as this user with the right password: nothing to lock out."""
        time.sleep(max(0, start_at - time.time()))
        started = time.perf_counter()
        self.login_requests = 2  # the form, then the POST
        try:
            self.session.login(self.username, PASSWORD, retry=False)
        except LoginFailed as error:
            self.locked_out = error.status == 429
            self.errors.append(f"login {self.username}: HTTP {error.status}")
            return
        except Exception as error:  # noqa: BLE001
            self.errors.append(f"login {self.username}: {type(error).__name__}: {error}")
            return
        self.login_timings.append((time.perf_counter() - started) * 1000)
        self.logged_in = True

    def work(self, stop_at):
        actions, weights = list(MIX), list(MIX.values())
        while self.logged_in and time.time() < stop_at:
            action = self.rng.choices(actions, weights)[0]
            try:
                getattr(self, action)()
            except Failure as error:
                self.errors.append(str(error))
            # Think time: uniform around the mean, so the users drift out of step.
            time.sleep(self.rng.uniform(0, 2 * self.think))


def run(args):
    """Run the virtual users and print one JSON object with what they saw and recorded.

    Everyone logs in first (password hashing is slow by design: fifty logins at once would
    fill the workers for a while), then all work for --duration seconds from the same instant.
    """
    customers = tuple(int(n) for n in args.customers.split("-"))
    users = [
        VirtualUser(n, args.port, args.run_id, customers, args.think, random.Random(n))
        for n in range(args.users)
    ]
    window = {}

    def open_window():
        window["start"] = time.time()
        window["stop"] = window["start"] + args.duration

    barrier = threading.Barrier(len(users), action=open_window)

    def person(user, start_at):
        user.log_in(start_at)
        barrier.wait()
        user.work(window["stop"])

    # A server that has been up a while has warm workers: the first request of each is slow.
    warm_up = [
        threading.Thread(target=Session(args.port).request, args=("GET", "/accounts/login/"))
        for _ in range(4)
    ]
    for thread in warm_up:
        thread.start()
    for thread in warm_up:
        thread.join()
    started = time.time()
    # Logins ramp over a few seconds, as people arriving rather than one instant.
    ramp = min(5.0, args.duration / 10)
    threads = [
        threading.Thread(target=person, args=(user, started + ramp * n / len(users)))
        for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings, writes = defaultdict(list), {}
    for user in users:
        for page, values in user.timings.items():
            timings[page] += values
        for kind, record in user.writes.items():
            total = writes.setdefault(kind, {"attempted": 0, "confirmed": [], "unsure": []})
            total["attempted"] += record["attempted"]
            total["confirmed"] += record["confirmed"]
            total["unsure"] += record["unsure"]
    print(
        json.dumps(
            {
                "login_seconds": window["start"] - started,
                "elapsed_seconds": time.time() - window["start"],
                "login_requests": sum(user.login_requests for user in users),
                "login_timings": [t for user in users for t in user.login_timings],
                "requests": sum(user.requests for user in users),
                "logged_in": sum(user.logged_in for user in users),
                "lockouts": sum(user.locked_out for user in users),
                "errors": [error for user in users for error in user.errors],
                "timings": timings,
                "writes": writes,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--think", type=float, required=True, help="mean seconds between actions")
    parser.add_argument("--run-id", required=True, help="in every write's marker")
    parser.add_argument("--customers", required=True, help="the customer ids to pick from: 1-2000")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
