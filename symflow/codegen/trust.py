"""The kernel cache as a trust boundary: what symflow reads from disk, and when.

A kernel cache holds code that runs in the process that loads it (Python modules,
numba's pickled index files, native machine code), so it is guarded as ``~/.ssh`` is:

- directories symflow creates are private (mode 0700, whatever the umask);
- before a folder or file is read, it must be owned by this user and not writable by
  group or others (a file may be, inside a folder that they cannot enter); otherwise
  symflow warns once (:class:`~symflow.errors.CacheWarning`) and compiles the kernel in
  a private folder of this process instead (:func:`private_dir`), removed at exit;
- files are read by :func:`read_file` only: regular files (no symlinks, FIFOs or
  devices), opened with ``O_NOFOLLOW`` and checked with ``fstat``, up to a size cap;
- native machine code is loaded only when it carries an HMAC-SHA256 made with this
  user's key (:func:`sign`, :func:`verify`), a random key kept with mode 0600 in the
  cache root: LLVM may abort the process on a malformed object, so nothing that this
  user's symflow did not write reaches it.

Examples
--------
>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> folder = make_private(root / "kernels")
>>> oct(folder.stat().st_mode & 0o777), untrusted(folder) is None
('0o700', True)
>>> tag = sign(folder, b"machine code")
>>> verify(folder, b"machine code", tag), verify(folder, b"other code", tag)
(True, False)
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import os
import shutil
import stat
import tempfile
import threading
import warnings
from pathlib import Path

from symflow.errors import CacheWarning

__all__ = [
    "make_private",
    "untrusted",
    "read_file",
    "sign",
    "verify",
    "private_dir",
    "warn_untrusted",
    "MAX_FILE_BYTES",
]

#: the largest file symflow reads from the cache (a kernel module or its machine code
#: is tens of kilobytes)
MAX_FILE_BYTES = 64 * 2**20
KEY_NAME = "hmac-key"
_KEY_BYTES = 32
_WARNED: set[str] = set()
_LOCK = threading.Lock()


def make_private(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700 (whatever the umask).

    Folders that exist already keep their mode; :func:`untrusted` judges them.
    """
    missing = []
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:  # another process made it
            continue
        os.chmod(folder, 0o700)
    return path


def _problem(info: os.stat_result, what: str, private_parent: bool) -> str | None:
    if info.st_uid != os.getuid():
        return f"{what} is owned by another user (uid {info.st_uid})"
    if info.st_mode & 0o022 and not private_parent:
        return f"{what} is writable by group or others (mode {stat.filemode(info.st_mode)})"
    return None


def untrusted(folder: Path, names: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why ``folder`` (and the entries ``names`` in it that exist) may not be read, or
    None when it may: each must be owned by this user and not writable by group or
    others, and an entry must be a regular file or a folder (not a link, FIFO, device).

    A file writable by others is accepted inside a folder they cannot enter (mode
    ``drwx------``): nobody else can reach it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = folder.chmod(0o777)
    >>> untrusted(folder)  # doctest: +ELLIPSIS
    '... is writable by group or others (mode drwxrwxrwx)'
    """
    try:
        info = os.stat(folder)
    except OSError as exc:
        return f"{folder} cannot be read ({exc.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    problem = _problem(info, str(folder), private_parent=False)
    if problem:
        return problem
    private = not info.st_mode & 0o077
    for name in names:
        try:
            entry = os.lstat(folder / name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"{folder / name} cannot be read ({exc.strerror})"
        if not (stat.S_ISREG(entry.st_mode) or stat.S_ISDIR(entry.st_mode)):
            return f"{folder / name} is not a regular file"
        problem = _problem(entry, str(folder / name), private_parent=private)
        if problem:
            return problem
    return None


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file owned by this user, not a link, at most ``limit``.

    Raises
    ------
    OSError
        When the file is missing, a link, not a regular file, someone else's, writable
        by others, or larger than ``limit``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        parent = os.stat(Path(path).parent)
        problem = _problem(info, str(path), private_parent=not parent.st_mode & 0o077)
        if problem:
            raise OSError(problem)
        if info.st_size > limit:
            raise OSError(f"{path} is larger than {limit} bytes")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise OSError(f"{path} is larger than {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _key(root: Path, create: bool) -> bytes | None:
    """This user's signing key in ``root`` (made on first use when ``create``)."""
    path = root / KEY_NAME
    try:
        key = read_file(path, limit=_KEY_BYTES)
    except FileNotFoundError:
        if not create:
            return None
        key = os.urandom(_KEY_BYTES)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return _key(root, create=False)
        try:
            os.write(fd, key)
        finally:
            os.close(fd)
        return key
    except OSError:
        return None
    if len(key) != _KEY_BYTES or os.stat(path).st_mode & 0o077:
        return None  # a key others can read signs nothing
    return key


def sign(root: Path, data: bytes) -> str | None:
    """HMAC-SHA256 of ``data`` with this user's key in ``root`` (hex), or None when no
    key can be kept there."""
    try:
        key = _key(root, create=True)
    except OSError:
        return None
    return None if key is None else hmac.new(key, data, hashlib.sha256).hexdigest()


def verify(root: Path, data: bytes, tag: object) -> bool:
    """Whether ``tag`` is this user's HMAC of ``data`` (compared in constant time)."""
    key = _key(root, create=False)
    if key is None or not isinstance(tag, str):
        return False
    return hmac.compare_digest(hmac.new(key, data, hashlib.sha256).hexdigest(), tag)


def warn_untrusted(reason: str) -> None:
    """Warn, once per reason and process, that the cache was not used and why."""
    with _LOCK:
        if reason in _WARNED:
            return
        _WARNED.add(reason)
    warnings.warn(
        f"symflow: not using the kernel cache: {reason}. Kernels are compiled in a private "
        "folder of this process instead (slower start-up). Fix the permissions "
        "(chmod go-w, or chown to you) or set SYMFLOW_CACHE_DIR to a folder of your own.",
        CacheWarning,
        stacklevel=4,
    )


_PRIVATE: list[Path] = []


def _remove(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # not in a forked child, whose parent still uses it
        shutil.rmtree(folder, ignore_errors=True)


def private_dir() -> Path:
    """A folder of this process only (mode 0700), removed when the process exits."""
    with _LOCK:
        if not _PRIVATE or not _PRIVATE[0].is_dir():
            folder = Path(tempfile.mkdtemp(prefix="symflow-kernels-"))
            _PRIVATE[:] = [folder]
            atexit.register(_remove, folder, os.getpid())
        return _PRIVATE[0]
