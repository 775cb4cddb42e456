"""The KB index: articles in, ``search(text, k)`` out.

    from kb_index import load_kb_settings, open_index
    index = open_index(load_kb_settings())
    index.search("how long does shipping take?", k=3)   # -> [Hit(article_id, score, matched, dense)]
"""

from kb_index.index import Hit, KBIndex
from kb_index.service import LiveIndex, build, open_index
from kb_index.settings import KBSettings, Thresholds, load_kb_settings

__all__ = ["Hit", "KBIndex", "KBSettings", "LiveIndex", "Thresholds", "build", "load_kb_settings", "open_index"]
