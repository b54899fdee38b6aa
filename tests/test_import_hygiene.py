"""The core works headless: nothing outside tui/ui/ may import Textual."""

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parent.parent / "tui"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_never_imports_textual():
    offenders = []
    for path in TUI.rglob("*.py"):
        rel = path.relative_to(TUI)
        if rel.parts[0] == "ui" or rel.name in ("cli.py", "__main__.py"):
            continue
        bad = sorted(n for n in _imports(path) if n == "textual" or n.startswith("textual."))
        if bad:
            offenders.append(f"{rel}: {bad}")
    assert offenders == []


def test_cli_imports_textual_only_lazily():
    """cli.py may start the app, but only inside a function (headless commands stay light)."""
    tree = ast.parse((TUI / "cli.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    for node in top_level:
        mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        assert not any(m.startswith(("textual", "tui.ui")) for m in mods), mods
