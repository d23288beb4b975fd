"""From candidates to what is shown: sentence windows (``spans``), the answer type a question asks for
(``answer_type``), who a passage quotes (``attribution``), the quotes chosen and the no-answer (``compose``), the
one verification every quote passes (``verify``), syndicated copies collapsed (``copies``), and timelines
(``timeline``)."""
