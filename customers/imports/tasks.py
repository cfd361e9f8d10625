"""Celery tasks of the import: thin wrappers that take an upload's id and call jobs."""

from celery import shared_task

from . import jobs


@shared_task
def check_import(import_id: int) -> str | None:
    """Check an uploaded file and keep the preview."""
    try:
        return jobs.import_check(import_id)
    except Exception as error:
        jobs.import_failed(import_id, error)
        raise


@shared_task
def run_import(import_id: int) -> str:
    """Import a confirmed upload; when customers changed under it, check it again."""
    try:
        outcome = jobs.import_run(import_id)
    except Exception as error:
        jobs.import_failed(import_id, error)
        raise
    if outcome == jobs.Outcome.RECHECK:
        check_import.delay(import_id)
    return outcome


@shared_task
def resume_stranded_imports() -> int:
    """Queue again the checks and imports whose worker went away (every minute on beat)."""
    stranded = jobs.imports_stranded()
    for import_id, state in stranded:
        task = check_import if state == jobs.State.CHECKING else run_import
        task.delay(import_id)
    return len(stranded)
