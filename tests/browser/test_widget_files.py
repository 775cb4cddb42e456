"""The widget's files as a shop serves them: small, free of HTML parsing, and the recorded socket.io client."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

from tests.support.processes import REPO_ROOT

WIDGET = REPO_ROOT / "widget"
CLIENT = WIDGET / "vendor" / "socket.io.esm.min.js"
GZIP_BUDGET_BYTES = 40_000  # widget + socket.io client (38.4 kB now): what every shopper downloads
# Any of these would let text become markup; the widget builds every node itself.
HTML_PARSING = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "createContextualFragment")


def own_files() -> list[Path]:
    return [WIDGET / "widget.js", *sorted((WIDGET / "lib").glob("*.js"))]


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_widget_and_its_socket_io_client_stay_small():
    total = sum(gzipped_size(path) for path in [*own_files(), CLIENT])
    assert total <= GZIP_BUDGET_BYTES, f"{total} bytes gzipped"


def test_widget_code_never_parses_html():
    for path in own_files():
        source = path.read_text(encoding="utf-8")
        assert not [name for name in HTML_PARSING if name in source], path.name


def test_vendored_socket_io_client_is_the_recorded_release():
    record = (WIDGET / "vendor" / "README.md").read_text(encoding="utf-8")
    version = re.search(r"\| version \| ([\d.]+)", record).group(1)
    sha256 = re.search(r"\| sha256 \| `([0-9a-f]{64})`", record).group(1)
    assert hashlib.sha256(CLIENT.read_bytes()).hexdigest() == sha256
    assert f"Socket.IO v{version}" in CLIENT.read_text(encoding="utf-8")[:200]
