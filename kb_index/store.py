"""Versioned index directories and the atomic switch of the live one.

Layout under the index root::

    versions/<version>/   one complete, immutable index per build
    live -> versions/<v>  symlink; replaced atomically (rename) on publish

Readers only ever follow ``live``, so they see either the old or the new
version, never a half-written one. Writers serialise on a lock file, so two
editors publishing at once cannot interleave.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LIVE_LINK = "live"
VERSIONS_DIR = "versions"
LOCK_FILE = ".lock"


class IndexStore:
    def __init__(self, root: Path):
        self.root = root
        self.versions_dir = root / VERSIONS_DIR

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Exclusive lock held while building or switching versions."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def live_version(self) -> str | None:
        link = self.root / LIVE_LINK
        try:
            return Path(os.readlink(link)).name
        except (FileNotFoundError, OSError):
            return None

    def live_dir(self) -> Path | None:
        version = self.live_version()
        return self.versions_dir / version if version else None

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.versions_dir.exists():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    @contextmanager
    def staging_dir(self, fingerprint: str) -> Iterator[tuple[Path, str]]:
        """A scratch directory that becomes a version only if the block succeeds."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        # Names sort in build order (microseconds) and say which KB they hold.
        now = time.time()
        version = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f"{int(now % 1 * 1e6):06d}-{fingerprint[:8]}"
        scratch = self.versions_dir / f".staging-{uuid.uuid4().hex}"
        try:
            yield scratch, version
            scratch.rename(self.versions_dir / version)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def publish(self, version: str) -> None:
        """Make ``version`` live with one atomic rename."""
        if version not in self.versions():
            raise ValueError(f"no index version {version!r} (have: {', '.join(self.versions()) or 'none'})")
        temporary = self.root / f".live-{uuid.uuid4().hex}"
        os.symlink(Path(VERSIONS_DIR) / version, temporary)
        os.replace(temporary, self.root / LIVE_LINK)

    def prune(self, keep: int) -> list[str]:
        """Delete the oldest versions beyond ``keep``, never the live one."""
        live = self.live_version()
        removable = [v for v in self.versions() if v != live]
        doomed = removable[: max(0, len(self.versions()) - keep)]
        for version in doomed:
            shutil.rmtree(self.versions_dir / version, ignore_errors=True)
        return doomed
