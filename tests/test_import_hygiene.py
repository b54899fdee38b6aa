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


def _module_name(path: Path) -> str:
    rel = path.relative_to(TUI.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _tui_imports(path: Path) -> set[str]:
    """Modules of tui this file imports at run time (TYPE_CHECKING blocks excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("tui"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("tui"):
            for alias in node.names:  # "from tui.feeds import fast" imports the module tui.feeds.fast
                sub = f"{node.module}.{alias.name}"
                found.add(sub if (TUI.parent / (sub.replace(".", "/") + ".py")).exists() else node.module)
    return found


def test_no_import_cycles():
    """Between modules of tui, counting imports inside functions too: a cycle is a
    layout bug even when import order happens to make it work."""
    modules = {_module_name(p): p for p in TUI.rglob("*.py")}
    graph = {name: {m for m in _tui_imports(p) if m in modules and m != name} for name, p in modules.items()}
    # A package's __init__ importing its own submodules is a re-export, not a cycle.
    for name in graph:
        graph[name] = {
            m for m in graph[name] if not (m.startswith(name + ".") and modules[name].name == "__init__.py")
        }
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


MAX_MODULE_LINES = 650


def test_no_module_over_650_lines():
    sizes = {
        str(p.relative_to(TUI)): len(p.read_text(encoding="utf-8").splitlines()) for p in TUI.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_headless_refresh_never_loads_textual():
    """What the refresh command imports, in a fresh interpreter (import-linter sees
    only static imports; this also catches a lazy import on the way)."""
    import subprocess
    import sys

    code = (
        "import sys, tui.polling.refresh, tui.comments.registry, tui.live.follow; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('tui.ui')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
