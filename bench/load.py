"""The load generator: a separate process that logs in through /accounts/login/ like a browser
(CSRF cookie and token) and requests each URL over keep-alive http.client connections.

    python bench/load.py --port 8123 --username bench-staff-0 --password rapport-bench \\
        --urls '{"list": "/customers/"}' --requests 100 --seconds 5 --concurrency 2

A URL may instead be a request, {"method": "POST", "path": ..., "body": {...}} (sent as JSON),
and --token adds ``Authorization: Bearer <token>`` to every request, for the API.

For each URL: a few warm-up requests; then --requests sequential requests (one at a time, so
the latencies are the server's, not a queue's) for p50 / p95, taken in --rounds passes over all
the URLs, so that a host whose speed drifts slows each of them alike and a page compares with
its floor; then --concurrency connections as fast as they go for --seconds for requests per
second. Prints one JSON object.
"""

import argparse
import http.client
import json
import re
import statistics
import threading
import time
import urllib.parse


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class LoginFailed(SystemExit):
    """The login form did not sign us in; ``status`` is its HTTP answer (429: locked out)."""

    def __init__(self, status):
        super().__init__(f"login failed: HTTP {status}")
        self.status = status


class Session:
    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, url, body=None, headers=None, retry=True):
        """Send one request; with ``retry``, once more on a fresh connection if this one had
        been closed (a keep-alive timeout). Without, the failure is raised."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            if not retry:
                raise
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, response, data

    def login(self, username, password, retry=True):
        status, _, page = self.request("GET", "/accounts/login/", retry=retry)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        status, response, _ = self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/accounts/login/",
            },
            retry=retry,
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(status)


def send(session, url, headers):
    """One request for ``url``: a path to GET, or a request spelled out."""
    if isinstance(url, str):
        return session.request("GET", url, headers=headers)
    body = json.dumps(url["body"]).encode()
    return session.request(
        url["method"],
        url["path"],
        body=body,
        headers={**headers, "Content-Type": "application/json"},
    )


def warm_up(session, url, headers):
    for _ in range(3):
        status, _, _ = send(session, url, headers)
        if not 200 <= status < 300:
            raise SystemExit(f"{url}: HTTP {status}")


def latencies(session, urls, requests, rounds, headers) -> dict[str, list[float]]:
    """Milliseconds of ``requests`` sequential requests to each URL, in ``rounds`` passes."""
    timings = {name: [] for name in urls}
    per_round = -(-requests // rounds)
    for _ in range(rounds):
        for name, url in urls.items():
            for _ in range(min(per_round, requests - len(timings[name]))):
                started = time.perf_counter()
                send(session, url, headers)
                timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def throughput(port, cookies, url, seconds, concurrency, headers) -> tuple[int, float]:
    """Requests done by ``concurrency`` connections in ``seconds``, and the time taken."""
    done = [0] * concurrency
    stop = time.perf_counter() + seconds

    def hammer(slot):
        own = Session(port)
        own.cookies = dict(cookies)
        while time.perf_counter() < stop:
            send(own, url, headers)
            done[slot] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--urls", required=True, help="JSON object: name -> path")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--token", help="an API token, sent with every request")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    urls = json.loads(args.urls)
    session = Session(args.port)
    session.login(args.username, args.password)
    for url in urls.values():
        warm_up(session, url, headers)
    timings = latencies(session, urls, args.requests, args.rounds, headers)
    results = {}
    for name, url in urls.items():
        done, elapsed = throughput(
            args.port, session.cookies, url, args.seconds, args.concurrency, headers
        )
        results[name] = {
            "p50_ms": round(statistics.median(timings[name]), 1),
            "p95_ms": round(percentile(timings[name], 0.95), 1),
            "rps": round(done / elapsed, 1),
            "requests": args.requests + done,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
