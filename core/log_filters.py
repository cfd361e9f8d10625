"""Filters for the LOGGING setting."""

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A 403 is someone asking for what their role does not allow, not a fault in the code:
    Django logs it with the PermissionDenied traceback, and one line says all there is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
