"""The daily briefing: the day's articles clustered into stories, ranked, each with verbatim quotes."""

from index.briefing.stories import build_briefing

__all__ = ["build_briefing"]
