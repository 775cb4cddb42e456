"""Concurrent questions searched together (kb_index/batching.py): each gets its own answer, from its own version."""

from __future__ import annotations

import asyncio

import pytest

from kb_index import build, open_index
from kb_index.batching import SearchBatcher
from tests.unit.kb.conftest import write_article

QUESTIONS = ["when will my parcel arrive", "can I pay with paypal", "I want to return my order", "do you sell gift cards",
             "can I buy a voucher", "how long does delivery take", "refund for a broken item", "pay by card"]


class CountingEncoder:
    """The index's own encoder, counting its calls and the texts in each."""

    def __init__(self, encoder):
        self._encoder = encoder
        self.name, self.dimension, self.near_duplicate = encoder.name, encoder.dimension, encoder.near_duplicate
        self.calls: list[int] = []
        self.fail = False

    def encode(self, texts, *, kind):
        self.calls.append(len(texts))
        if self.fail:
            raise RuntimeError("encoder crashed")
        return self._encoder.encode(texts, kind=kind)


@pytest.fixture
def index(settings):
    build(settings)
    index = open_index(settings)
    index.encoder = CountingEncoder(index.encoder)
    return index


async def ask_together(batcher: SearchBatcher, pairs):
    return await asyncio.gather(*(batcher.search(index, text, 3) for index, text in pairs), return_exceptions=True)


def test_concurrent_questions_get_the_answers_they_get_alone_in_fewer_encoder_calls(index):
    alone = [index.search(text, k=3) for text in QUESTIONS]
    index.encoder.calls.clear()
    together = asyncio.run(ask_together(SearchBatcher(workers=1), [(index, text) for text in QUESTIONS]))
    assert together == alone
    # The first question starts at once, alone; the seven that came while it ran go in as one batch.
    assert index.encoder.calls == [1, 7]


def test_a_batch_never_mixes_index_versions(index, settings):
    write_article(settings.articles_dir, "returns", "Send it back within 60 days.")
    build(settings)
    newer = open_index(settings)
    assert newer.directory != index.directory
    pairs = [(index if n % 2 else newer, text) for n, text in enumerate(QUESTIONS)]
    together = asyncio.run(ask_together(SearchBatcher(workers=1), pairs))
    assert together == [version.search(text, k=3) for version, text in pairs]
    assert {newer.article("returns")["answer"], index.article("returns")["answer"]} == {
        "Send it back within 60 days.", "Send it back within 30 days with the free label."}


def test_a_failed_batch_fails_its_questions_and_the_next_question_is_answered(index):
    batcher = SearchBatcher(workers=1)
    index.encoder.fail = True
    failed = asyncio.run(ask_together(batcher, [(index, text) for text in QUESTIONS[:3]]))
    assert all(isinstance(result, RuntimeError) for result in failed)
    index.encoder.fail = False
    assert asyncio.run(batcher.search(index, "when will my parcel arrive", 3))[0].article_id == "delivery"


def test_a_question_given_up_while_waiting_does_not_stop_the_others(index):
    async def scenario():
        batcher = SearchBatcher(workers=1)
        first = asyncio.ensure_future(batcher.search(index, QUESTIONS[0], 3))
        abandoned = asyncio.ensure_future(batcher.search(index, QUESTIONS[1], 3))
        kept = asyncio.ensure_future(batcher.search(index, QUESTIONS[2], 3))
        await asyncio.sleep(0)
        abandoned.cancel()
        return await asyncio.wait_for(first, 60), await asyncio.wait_for(kept, 60)  # a lost answer fails, not hangs

    first, kept = asyncio.run(scenario())
    assert first[0].article_id == "delivery" and kept[0].article_id == "returns"
