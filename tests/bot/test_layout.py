"""The bot's structure rules, checked on its source: ``bot`` imports only ``index``'s public API, extensions never
import each other, and every module in ``bot/exts`` is loaded (discovered, not listed)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.app import extension_names

BOT = Path(__file__).resolve().parents[2] / "bot"


def imports(path: Path) -> list[str]:
    """Absolute module names a file imports (relative imports resolved against the ``bot`` package)."""
    package = ".".join(path.relative_to(BOT.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            out.append(module)
            out += [f"{module}.{a.name}" for a in node.names if module.startswith("bot")]
    return out


def test_bot_imports_only_the_public_index_api() -> None:
    for path in BOT.rglob("*.py"):
        private = [m for m in imports(path) if m.startswith("index.")]
        assert not private, f"{path.relative_to(BOT.parent)} imports {private}: use `from index import …`"


def test_extensions_never_import_each_other() -> None:
    for path in (BOT / "exts").glob("*.py"):
        others = [m for m in imports(path) if m.startswith("bot.exts.") and m != f"bot.exts.{path.stem}"]
        assert not others, f"{path.name} imports {others}: move what they share to bot/ (checks, converters…)"


def test_every_extension_module_is_discovered() -> None:
    files = sorted(p.stem for p in (BOT / "exts").glob("*.py") if p.stem != "__init__")
    assert extension_names() == [f"bot.exts.{name}" for name in files]
