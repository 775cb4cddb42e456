"""Fixtures of the integration tests that edit and publish the KB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb_index import load_kb_settings
from kb_index.store import IndexStore
from tests.support.processes import REPO_ROOT


@pytest.fixture(scope="module")
def kb_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/kb and its published index, copied so the test can edit and publish freely."""
    root = tmp_path_factory.mktemp("kb-publish")
    shutil.copytree(REPO_ROOT / "data" / "kb", root / "kb")
    live = IndexStore(load_kb_settings().index_dir).live_dir()
    assert live is not None, "build the index first: python -m kb_index build"
    store = IndexStore(root / "index")
    shutil.copytree(live, store.versions_dir / live.name)
    store.publish(live.name)
    return root
