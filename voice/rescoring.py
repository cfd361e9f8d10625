"""Rescoring: a customer's loyalty score recomputed in a task once what changed it commits."""

from django.db import connection, transaction

from core.enqueue import enqueue

from .tasks import recompute_loyalty


class _Recompute:
    """An on-commit callback that remembers which customer it is for, so a transaction that
    logs ten interactions for one customer enqueues one recomputation, not ten."""

    def __init__(self, customer_id: int):
        self.customer_id = customer_id
        # Django names a robust callback that failed by its __qualname__; an instance has none
        # of its own, and logging a broker outage would raise instead, turning it into a 500.
        self.__qualname__ = f"{type(self).__qualname__}({customer_id})"

    def __call__(self):
        enqueue(recompute_loyalty, self.customer_id)


def schedule_recompute(customer_id: int) -> None:
    """Recompute this customer's loyalty in a task once the current transaction commits."""
    # Django keeps the callbacks of the transaction in progress in run_on_commit, and drops
    # those of a savepoint that rolls back: one already there for this customer will run.
    for _sids, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Recompute) and callback.customer_id == customer_id:
            return
    # robust: the change is committed; if the broker is down the stale-score refresh catches up,
    # and a saved interaction must not turn into a 500 for the person who logged it.
    transaction.on_commit(_Recompute(customer_id), robust=True)


def recompute_on_experience_change(sender, *, customer_id: int, **kwargs) -> None:
    """Receives interactions' customer_experience_changed (connected in VoiceConfig.ready)."""
    # Signals run synchronously, inside the sender's transaction: schedule_recompute still sees
    # what that transaction has queued, and enqueues one recomputation per customer.
    schedule_recompute(customer_id)
