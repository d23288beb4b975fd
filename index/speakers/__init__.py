"""Who said what: statements attributed to a person or body, read from the stored paragraphs (``mentions``, with
its ``words``) and answered from the speaker tables (``who_said``)."""
