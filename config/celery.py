"""The Celery application. Tasks carry ids only; the database is the source of truth."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # JSON only: a task message is data, never a pickled object a broker could smuggle code in.
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Time limits stop a hung SMTP connection from holding a worker forever; the soft limit
    # raises inside the task first so it can record the failure before the hard kill.
    task_soft_time_limit=240,
    task_time_limit=300,
    # Acknowledge after the task finishes, and requeue when the worker dies mid-task: a lost
    # reminder is worse than a retried one, and every task that sends email claims its row
    # first, so a redelivered task finds the work done and sends nothing twice. The broker's
    # visibility timeout (settings) is set well above task_time_limit for the same reason.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # One task at a time per process, so acks_late does not leave prefetched work stranded
    # behind a long task.
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    # A publish that fails is not retried: from a web request each retry keeps a person
    # waiting on a broker that is down (every try is bounded by the socket timeouts in
    # settings). redis-py already replaces a pooled connection that a restart closed; the
    # callers enqueue on commit with robust=True, and beat's sweeps send what was lost
    # (the outbox its emails, core.outbox).
    task_publish_retry=False,
)
app.autodiscover_tasks()
app.autodiscover_tasks(["core.outbox", "customers.imports"])
