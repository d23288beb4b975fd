"""A newcomer's first session, scripted in tmux from a fresh clone: set-up, seeding, questions, paging, a typo, a
briefing with no news today, and an ingest cancelled with Ctrl-C after which the session goes on.

    python bench/newcomer_session.py [--out FILE] [--work DIR] [--keep]

Clones this checkout's HEAD into a scratch directory, runs ``make run`` there in a tmux window of 120x40 (a new
.venv: torch from the local wheel, the rest through pip), types what a new user would, and writes the screen
text (live snapshots while work is under way, then the whole scrollback) to ``--out``. Needs tmux and network
access to the package index for the fresh install; takes a few minutes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = "newsdesk-newcomer"
NEWSQA = ROOT.parent / "shared" / "data" / "newsqa-dev" / "articles.jsonl"
PROMPT = re.compile(r"newsdesk> *$", re.MULTILINE)
# Dependencies the session needs that an older pyproject.toml may not declare yet (added to the scratch clone only).
SESSION_DEPENDENCIES = ("prompt_toolkit>=3.0", "rich>=13")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen(history: bool = False) -> str:
    """The pane's text: what is visible, or (``history``) everything since the window opened."""
    extra = ["-S", "-"] if history else []
    text = tmux("capture-pane", "-p", "-J", "-t", SESSION, *extra)
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())  # no blank rows below the cursor


def wait_for(pattern: str | re.Pattern[str], timeout: float, after: int = 0) -> str:
    """Wait until ``pattern`` shows in the scrollback past line ``after``; the scrollback then."""
    regex = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = screen(history=True)
        if regex.search("\n".join(text.splitlines()[after:])):
            return text
        time.sleep(0.5)
    raise TimeoutError(f"{regex.pattern!r} not seen in {timeout:.0f} s; screen:\n{screen()}")


def lines_now() -> int:
    """Lines in the scrollback so far; the last one is the prompt being typed on."""
    return len(screen(history=True).splitlines())


def type_line(text: str, timeout: float = 300) -> None:
    """Type a line at the prompt and wait for the next prompt."""
    start = lines_now()
    tmux("send-keys", "-t", SESSION, "-l", text)
    tmux("send-keys", "-t", SESSION, "Enter")
    wait_for(PROMPT, timeout, after=start)


def prepare_clone(work: Path) -> Path:
    clone = work / "newsdesk"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    pyproject = clone / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    missing = [
        d for d in SESSION_DEPENDENCIES if d.split(">")[0].replace("_", "-") not in text.replace("_", "-")
    ]
    if missing:
        listed = "".join(f'  "{d}",\n' for d in missing)
        pyproject.write_text(
            text.replace("dependencies = [\n", "dependencies = [\n" + listed, 1), encoding="utf-8"
        )
    return clone


def trim_pip(text: str) -> str:
    """The scrollback with the middle of pip's long output left out (its first and last lines kept)."""
    out: list[str] = []
    pip: list[str] = []

    def flush() -> None:
        if len(pip) > 12:
            out.extend(pip[:6] + [f"[… {len(pip) - 12} more lines of pip output …]"] + pip[-6:])
        else:
            out.extend(pip)
        pip.clear()

    for line in text.splitlines():
        if re.match(
            r"^\s*(Collecting|Downloading|Using cached|Requirement|Installing|Obtaining|Building|Created|"
            r"Stored|Successfully|Preparing|Getting|Checking|Processing|Attempting|Found existing|"
            r"Uninstalling|━|\s{2,}\S)",
            line,
        ) and not line.startswith("newsdesk>"):
            pip.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


def script(clone: Path, snapshots: list[tuple[str, str]]) -> None:
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", "-c", str(clone))
    tmux("send-keys", "-t", SESSION, "env -u DISCORD_TOKEN make run", "Enter")
    wait_for(r"==> \[3/3\]", 600)
    time.sleep(8)
    snapshots.append(("while installing (live)", screen()))
    wait_for(r"Reading|Embedding", 1800)
    time.sleep(3)
    snapshots.append(("while seeding the bundled sample (live)", screen()))
    wait_for(PROMPT, 900)
    type_line("help")
    type_line("How many people died in the tsunami? -k 2")
    type_line("more")
    type_line("stat")
    type_line("briefing")
    start = lines_now()
    tmux("send-keys", "-t", SESSION, "-l", f"ingest {NEWSQA}")
    tmux("send-keys", "-t", SESSION, "Enter")
    wait_for(r"Reading .*\d+/\d+", 300, after=start)
    time.sleep(4)
    snapshots.append(("an ingest under way, just before Ctrl-C (live)", screen()))
    tmux("send-keys", "-t", SESSION, "C-c")
    wait_for(PROMPT, 900, after=start)
    type_line("stats")
    type_line("sources")
    start = lines_now()
    tmux("send-keys", "-t", SESSION, "-l", "quit")
    tmux("send-keys", "-t", SESSION, "Enter")
    wait_for(r"^Bye\.", 60, after=start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("cli-session.txt"), help="where to write the screens"
    )
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="leave the clone and the tmux session in place")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed.", file=sys.stderr)
        return 1
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="newsdesk-newcomer-"))
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    snapshots: list[tuple[str, str]] = []
    started = time.monotonic()
    clone = prepare_clone(work)
    try:
        script(clone, snapshots)
        outcome = "completed"
    except TimeoutError as exc:
        outcome = f"stopped: {exc}".splitlines()[0]
    finally:
        history = (
            screen(history=True)
            if subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True).returncode == 0
            else ""
        )
        if not args.keep:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    parts = [
        f"# A newcomer's first session: `make run` in a fresh clone of {commit.stdout.strip()}, scripted in tmux "
        f"by bench/newcomer_session.py ({outcome}, {time.monotonic() - started:.0f} s)",
    ]
    for title, text in snapshots:
        parts += [f"\n## Screen {title}\n", text.rstrip()]
    parts += ["\n## The whole session (scrollback; the middle of pip's output left out)\n", trim_pip(history)]
    args.out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(f"{outcome}; screens written to {args.out}")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if outcome == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
