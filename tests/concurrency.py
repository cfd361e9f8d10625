"""Running work in threads released together, as two workers or two requests at once would."""

import threading

from django.db import connection


def at_once(work, times=2, timeout=60):
    """Run ``work`` in ``times`` threads started together; their results, once all are done.
    An error in any thread fails the test rather than dying with it."""
    start, results, errors = threading.Barrier(times), [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(work())
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            # Each thread's connection is its own: one left open would keep PostgreSQL from
            # dropping the test database.
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
    return results
