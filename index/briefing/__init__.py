"""The daily briefing: the day's articles clustered into stories across outlets, ranked, with verbatim quotes.

Front ends call ``build_briefing`` (or ``Newsdesk.briefing``); the modules inside are stages of it.
"""

from index.briefing.stories import build_briefing

__all__ = ["build_briefing"]
