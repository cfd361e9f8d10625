"""Publishing a task after a commit, so that a broker that is down or hung costs little.

The database is the source of truth, and everything published through here has a sweep that
publishes it again when it was lost: the outbox's sweep sends queued emails, the stale-score
refresh recomputes loyalty. So a web request gives the broker one short chance. Each publish from a
request waits at most BROKER_PUBLISH_TIMEOUT_SECONDS, and once one has failed the rest of the
request does not try again: a person saving a complaint waits for one timeout, not one a task.
Workers, beat and commands publish as Celery does, with the broker settings' own timeouts.
"""

import contextvars
import logging

from django.conf import settings
from django.core.signals import request_finished, request_started
from kombu import pools

logger = logging.getLogger(__name__)


class _Request:
    broker_failed = False


# Set while Django handles a request, from request_started to request_finished.
_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "crm_enqueue_request", default=None
)


def _request_started(sender, **kwargs):
    _current.set(_Request())


def _request_finished(sender, **kwargs):
    _current.set(None)


request_started.connect(_request_started, dispatch_uid="core.enqueue.request_started")
request_finished.connect(_request_finished, dispatch_uid="core.enqueue.request_finished")


def enqueue(task, *args) -> None:
    """Publish ``task(*args)``; call it from an on-commit callback registered with
    ``robust=True``, which logs the broker's error. In a web request after a failed publish, it
    only logs: the sweeps publish it later."""
    request = _current.get()
    if request is None:
        task.delay(*args)
        return
    if request.broker_failed:
        logger.warning(
            "Did not enqueue %s%r: the broker failed earlier in this request", task.name, args
        )
        return
    timeout = settings.BROKER_PUBLISH_TIMEOUT_SECONDS
    try:
        with _request_producers(task.app).acquire(block=True, timeout=timeout) as producer:
            task.apply_async(args, producer=producer)
    except Exception:
        request.broker_failed = True
        raise


def _request_producers(app):
    # kombu keeps one pool per broker address and transport options, and renews its pools
    # after a fork, so this finds the same pool each time without a cache of its own.
    timeout = settings.BROKER_PUBLISH_TIMEOUT_SECONDS
    connection = app.connection_for_write(
        transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout}
    )
    return pools.producers[connection]
