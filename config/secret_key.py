"""The key a development install signs with when SECRET_KEY is not set: random, made once
per install and kept in its var/ folder, so no two installs share one and a key printed in the
source forges nothing."""

import os
import tempfile
from pathlib import Path

from django.core.management.utils import get_random_secret_key


def development_secret_key(path: Path) -> str:
    """The key in ``path``, which is written first if missing, readable by its owner only.

    The key goes to a private temporary file that is then linked into place: a link fails if
    the name exists, so when the web server, the worker and beat start together exactly one
    key wins, and no process can read a file still half written."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(get_random_secret_key())
            os.link(draft, path)
        except FileExistsError:
            pass  # Another process got there first: its key is the one.
        finally:
            os.unlink(draft)
    return path.read_text().strip()
