"""The daily briefing: the day's articles clustered into stories across outlets, ranked, with verbatim quotes.

Front ends call ``build_briefing`` (or ``Newsdesk.briefing``); the modules inside are stages of it. The name loads
on first use, so that importing the briefing's text (``index.briefing.view``, which every CLI start and the bot
import) does not load the stages and their dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.briefing.stories import build_briefing

__all__ = ["build_briefing"]


def __getattr__(name: str) -> Any:
    if name == "build_briefing":
        from index.briefing.stories import build_briefing

        return build_briefing
    raise AttributeError(f"module 'index.briefing' has no attribute {name!r}")
