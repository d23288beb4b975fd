"""Evaluation: retrieval quality against baselines (``retrieval``), the CI quality gate (``gate``), briefing
coverage (``briefing``), the deterministic tuning/reporting split (``split``) and the feedback set (``feedback``).

Nothing here is imported by the retrieval core; front ends (``index.cli``) call in.
"""
