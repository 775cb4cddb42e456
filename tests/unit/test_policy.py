import pytest

from kb_index.index import Hit
from kb_index.policy import decide
from kb_index.settings import Thresholds

T = Thresholds(answer=0.6, suggest=0.45, margin=0.03)


def hits(*scores: float) -> list[Hit]:
    return [Hit(f"a{i}", s, "", s) for i, s in enumerate(scores)]


def test_confident_and_clear_lead_answers_with_the_best():
    decision = decide(hits(0.8, 0.5, 0.4), T)
    assert decision.outcome == "answer" and [h.article_id for h in decision.hits] == ["a0"]


def test_confident_but_tied_offers_suggestions_instead():
    decision = decide(hits(0.8, 0.79, 0.3), T)
    assert decision.outcome == "suggest"
    assert [h.article_id for h in decision.hits] == ["a0", "a1"]  # a2 is below the suggest bound


def test_middle_scores_offer_at_most_max_suggestions():
    decision = decide(hits(0.55, 0.5, 0.49, 0.48), T, max_suggestions=3)
    assert decision.outcome == "suggest" and len(decision.hits) == 3


def test_low_scores_and_no_hits_mean_unknown():
    assert decide(hits(0.44, 0.1), T).outcome == "unknown"
    assert decide([], T).outcome == "unknown"


def test_judged_on_the_dense_score_a_lexical_boost_alone_does_not_answer():
    # Ranked by the hybrid score; "a0" leads only through word overlap, its dense part is low.
    boosted = [Hit("a0", 0.9, "", 0.5), Hit("a1", 0.5, "", 0.3)]
    assert decide(boosted, T).outcome == "answer"
    dense = Thresholds(answer=0.6, suggest=0.45, margin=0.03, judge_on="dense")
    decision = decide(boosted, dense)
    assert decision.outcome == "suggest" and [h.article_id for h in decision.hits] == ["a0"]  # a1 is below the bound
    assert decide([Hit("a0", 0.9, "", 0.4), Hit("a1", 0.5, "", 0.5)], dense).outcome == "unknown"  # the best-ranked decides
    assert decide([Hit("a0", 0.9, "", 0.8), Hit("a1", 0.5, "", 0.5)], dense).outcome == "answer"


def test_thresholds_name_the_score_they_judge():
    assert Thresholds.from_dict({"answer": 0.9, "suggest": 0.8, "judge_on": "dense"}).judge_on == "dense"
    assert Thresholds.from_dict({"answer": 0.9, "suggest": 0.8}).judge_on == "hybrid"
    with pytest.raises(ValueError, match="judge_on must be one of hybrid, dense"):
        Thresholds.from_dict({"answer": 0.9, "suggest": 0.8, "judge_on": "lexical"})
