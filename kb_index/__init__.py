"""The KB index: articles in, ``search(text, k)`` out.

    from kb_index import load_kb_settings, open_index
    index = open_index(load_kb_settings())
    index.search("how long does shipping take?", k=3)   # -> [Hit(article_id, score, matched, dense)]
"""

import os

# Before faiss or an encoder loads its OpenMP runtime (each reads this once): an idle OpenMP thread
# sleeps instead of spinning. On a shared machine the spinning threads of the publisher's two
# runtimes fought each other and the bot: embedding one changed article took 0.5-2.9 s instead of
# 0.2 s (issue 16). The action server sets this and more first (actions/runtime.py); a value given wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from kb_index.index import Hit, KBIndex
from kb_index.service import LiveIndex, build, open_index
from kb_index.settings import KBSettings, Thresholds, load_kb_settings

__all__ = ["Hit", "KBIndex", "KBSettings", "LiveIndex", "Thresholds", "build", "load_kb_settings", "open_index"]
