from celery import shared_task


@shared_task(ignore_result=False)
def ping():
    """Answer "pong": proves a task sent from the web reaches a worker and comes back."""
    return "pong"
