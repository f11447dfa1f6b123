"""Private files: the database, its -wal and -shm files, backups and the cookie key belong to the app's user only."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

# Readable and writable by the app's user only.
PRIVATE_MODE = 0o600

_log = logging.getLogger(__name__)


def make_private(path: str | Path, create: bool = True) -> None:
    """Create a file with mode 0600 whatever the umask, or narrow an existing file's wider mode to 0600."""
    # By path only, never opening an existing file: closing any descriptor of a file drops every POSIX
    # lock this process holds on it, SQLite's too, and another process could then delete a live WAL.
    try:
        if create and not os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & ~PRIVATE_MODE:
            os.chmod(path, mode & PRIVATE_MODE)
    except (FileNotFoundError, FileExistsError):
        return  # no such file (create=False), or another thread has just created it
    except PermissionError:
        _log.warning("%s belongs to another user: it cannot be made private", path)
