"""Concurrent shoppers' questions searched together, by a bounded number of threads.

The action server answers many shoppers at once. Each question used to get its own encode in
the default executor (up to cores + 4 threads): under 32 shoppers five or six encodes ran side by
side on two cores, each slowed by the others, and together they took the core the Rasa server
needed (issue 16, py-spy of both processes). Here at most ``workers`` threads encode and search,
and the questions that arrive while they are busy wait for the next free one and go in as one
batch: one encoder call, one search, one hop between the event loop and a thread, whatever the
number of shoppers. A question that arrives while a thread is free starts at once: batching
never adds a wait of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from kb_index.index import Hit, KBIndex


@dataclass
class _Question:
    index: KBIndex
    text: str
    k: int
    answer: asyncio.Future[list[Hit]] = field(repr=False)


def _search_batch(batch: list[_Question]) -> list[list[Hit]]:
    index, texts = batch[0].index, [question.text for question in batch]
    return index.search_vectors(index.encode_queries(texts), texts, batch[0].k)


class SearchBatcher:
    """``search`` as ``KBIndex.search`` does it, for callers on one event loop, batched as above."""

    def __init__(self, workers: int = 1, max_batch: int = 16) -> None:
        if workers < 1 or max_batch < 1:
            raise ValueError(f"workers and max_batch must be at least 1, got {workers} and {max_batch}")
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="kb-search")
        self._free = workers
        self._max_batch = max_batch
        self._waiting: deque[_Question] = deque()

    async def search(self, index: KBIndex, text: str, k: int) -> list[Hit]:
        """The ``k`` best articles for ``text`` in ``index``, best first."""
        loop = asyncio.get_running_loop()
        question = _Question(index, text, k, loop.create_future())
        self._waiting.append(question)
        self._start(loop)
        return await question.answer

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._waiting and self._free:
            batch = self._next_batch()
            self._free -= 1
            done = self._executor.submit(_search_batch, batch)
            done.add_done_callback(lambda result, batch=batch: loop.call_soon_threadsafe(self._finish, loop, batch, result))

    def _next_batch(self) -> list[_Question]:
        """The oldest question and those waiting behind it for the same index version and k (a publish may
        swap the version between two questions)."""
        first = self._waiting.popleft()
        batch, others = [first], deque()
        while self._waiting and len(batch) < self._max_batch:
            question = self._waiting.popleft()
            (batch if (question.index, question.k) == (first.index, first.k) else others).append(question)
        self._waiting.extendleft(reversed(others))
        return batch

    def _finish(self, loop: asyncio.AbstractEventLoop, batch: list[_Question], result: Future) -> None:
        self._free += 1
        error = result.exception()
        for position, question in enumerate(batch):
            if question.answer.done():  # its shopper's request was cancelled meanwhile
                continue
            if error is not None:
                question.answer.set_exception(error)
            else:
                question.answer.set_result(result.result()[position])
        self._start(loop)
