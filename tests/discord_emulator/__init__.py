"""A small loopback Discord: REST plus a gateway websocket on 127.0.0.1, strict where the bot depends on it.

The real discord.py client is pointed at it (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``); tests drive
it by dispatching gateway events (``slash``, ``click``, ``say``) and assert on the requests the bot made
(``emu.requests``, ``emu.messages``).

Strictness copied from Discord: message content over 2,000 characters, an embed description over 4,096, a field
over 1,024, more than 25 fields, or embeds over 6,000 characters in one message -> 400; components beyond Discord's
limits (5 rows, custom ids of 1-100 characters unique in the message, 25 unique select values…) -> 400; a command
whose ``default_member_permissions`` the member lacks is not delivered (unless ``force=True``: a server admin
override), nor a server-only command in a DM; message content is blank when the bot did not ask for the
message-content intent (unless it is mentioned); the first follow-up after a public "thinking…" fills that
placeholder publicly whatever its flags; one thread per message (the thread has the message's id); ephemeral
messages cannot be edited or deleted through the channel. Unknown routes answer 404 (discord.py retries 5xx).

Tests can hold a request in flight (``hold``, released as created or dropped), cause an outage (``outage``: for a
time, optionally only for payloads a filter accepts, optionally after carrying each request out), fail a request
once before or after carrying it out (``fail_once``), rate limit it (``rate_limit_once``), and read text as
Discord shows it (``displayed``). Like Discord, it keeps each channel's history (``GET …/messages``, one message
by id), deletes messages, fills a "thinking…" placeholder with an edit of the original response as with a first
follow-up, and honours ``enforce_nonce`` (the same nonce again returns the first message, not a second one).

Package layout: ``model`` (plain data), ``rules`` (limits, how text is shown), ``rest`` (the routes), ``emulator``
(state, gateway, the events tests drive).
"""

from .emulator import DiscordEmulator
from .model import Guild, Hold, Member, Request, snowflake
from .rules import displayed, validate_components, validate_message

__all__ = [
    "DiscordEmulator",
    "Guild",
    "Hold",
    "Member",
    "Request",
    "displayed",
    "snowflake",
    "validate_components",
    "validate_message",
]
