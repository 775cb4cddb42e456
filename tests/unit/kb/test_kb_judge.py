"""The judge a build learns (kb.judge): stored with the version, ranking by the probability of a right answer."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pytest

from kb_index import build, open_index
from kb_index.batching import SearchBatcher
from kb_index.calibration import Calibration
from kb_index.index import Hit
from kb_index.judge import JUDGE_FILE, Judge
from kb_index.learning import OUT_OF_SCOPE_SHARE_FLOOR, SAFE_OUT_OF_SCOPE_SHARE, learn_judge, self_calibrate_judged
from kb_index.policy import decide


@pytest.fixture
def judged(settings):
    settings = replace(settings, judge=True)
    build(settings)
    return settings, open_index(settings)


def test_a_build_without_the_setting_learns_nothing(settings):
    build(settings)
    index = open_index(settings)
    assert index.judge is None and not (index.directory / JUDGE_FILE).exists()
    assert all(h.confidence is None for h in index.search("when will my parcel arrive"))


def test_the_build_stores_a_judge_that_ranks_by_confidence(judged):
    _, index = judged
    assert (index.directory / JUDGE_FILE).exists() and index.judge is not None
    hits = index.search("I would like to send my order back", k=3)
    assert hits[0].article_id == "returns"
    confidences = [h.confidence for h in hits]
    assert all(c is not None and 0.0 <= c <= 1.0 for c in confidences) and confidences == sorted(confidences, reverse=True)
    off_topic = index.search("what is the capital of australia", k=3)
    assert off_topic[0].confidence < hits[0].confidence


def test_the_bot_answers_with_the_judge_of_the_live_version(judged):
    # The KB action searches through a SearchBatcher; it must rank and decide as the index does, judge included.
    _, index = judged
    question = "I would like to send my order back"
    hits = asyncio.run(SearchBatcher().search(index, question, 3))
    assert hits == index.search(question, k=3)
    assert hits[0].article_id == "returns" and hits[0].confidence is not None


def test_a_loaded_judge_gives_the_same_probabilities_as_the_stored_one(judged, tmp_path):
    _, index = judged
    vectors = index.vectors[:5]
    index.judge.save(tmp_path)
    again = Judge.load(tmp_path)
    assert np.allclose(again.classifier.probabilities(vectors), index.judge.classifier.probabilities(vectors))
    assert again.classifier.labels == ("delivery", "gift-cards", "payment", "returns")


def test_confidence_thresholds_from_the_kb_alone_answer_its_questions(judged):
    settings, index = judged
    learned = learn_judge(index.entries, index.vectors, index.meta["scoring"])
    meta = self_calibrate_judged(learned, 0.05)
    assert meta["out_of_scope_share"] == SAFE_OUT_OF_SCOPE_SHARE and "assumed" in meta["calibration"]["method"]
    thresholds = Calibration.from_meta(meta).thresholds
    assert thresholds.judge_on == "confidence"
    assert decide(index.search("can I pay with paypal"), thresholds).outcome == "answer"
    # A lower unanswerable share can only make the bound more lenient.
    lenient = Calibration.from_meta(self_calibrate_judged(learned, 0.05, share=0.2)).thresholds
    assert lenient.answer <= thresholds.answer


def test_live_traffic_bounds_the_unanswerable_share_never_below_the_floor(judged):
    _, index = judged
    learned = learn_judge(index.entries, index.vectors, index.meta["scoring"])
    # Traffic of answerable questions only: the bound alone would go down to its 0.05 clip.
    live = [index.search(q) for q in ("can I pay with paypal", "when will my parcel arrive", "I want to return my order")]
    meta = self_calibrate_judged(learned, 0.05, live_results=live)
    assert meta["out_of_scope_share"] == OUT_OF_SCOPE_SHARE_FLOOR and "3 live questions" in meta["calibration"]["method"]


def test_the_policy_judges_on_confidence_when_told():
    hit = Hit("a", 0.9, "", 0.8, confidence=0.4)
    assert hit.score_on("confidence") == 0.4 and hit.score_on("dense") == 0.8 and hit.score_on("hybrid") == 0.9
    assert Hit("a", 0.9, "", 0.8).score_on("confidence") == 0.9  # a version without a judge: its hybrid score


@pytest.fixture
def two_encoders(settings, tmp_path):
    second = {"type": "onnx", "model": "packaged:all-MiniLM-L6-v2", "cache_dir": str(tmp_path / "encoders"),
              "languages": ["en"]}
    settings = replace(settings, judge=True, judge_encoder=second)
    build(settings)
    return settings, open_index(settings)


def test_a_second_encoder_votes_in_the_judge_and_is_loaded_with_the_version(two_encoders):
    settings, index = two_encoders
    assert index.meta["judge_encoder_settings"]["type"] == "onnx" and index.second_encoder is not None
    assert index.judge.second is not None and index.judge.second_languages == ("en",)
    again = Judge.load(index.directory)
    assert again.second.labels == index.judge.second.labels and again.second_languages == ("en",)
    hits = index.search("I would like to send my order back", k=3)
    assert hits[0].article_id == "returns" and hits[0].lang == "en"
    assert index.search("what is the capital of australia", k=3)[0].confidence < hits[0].confidence


def test_the_second_encoder_cannot_sway_a_question_in_a_language_it_does_not_know(two_encoders):
    _, index = two_encoders
    texts = ["I would like to send my order back"]
    vectors = index.encode_queries(texts)
    neighbours = index.searcher.search_vectors(vectors, texts, 10)
    right = index.second_encoder.encode(texts, kind="query")
    noise = np.random.default_rng(0).normal(size=right.shape).astype(np.float32)
    english = [h.confidence for h in index.judge.rerank(vectors, texts, neighbours, 3, right)[0]]
    assert english != [h.confidence for h in index.judge.rerank(vectors, texts, neighbours, 3, noise)[0]]
    # The same neighbours found in Polish entries: the second head's vote is left out, whatever its vectors say.
    polish = [[replace(h, lang="pl") for h in neighbours[0]]]
    assert ([h.confidence for h in index.judge.rerank(vectors, texts, polish, 3, right)[0]]
            == [h.confidence for h in index.judge.rerank(vectors, texts, polish, 3, noise)[0]])
