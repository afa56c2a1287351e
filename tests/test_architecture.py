"""The shape of the code (docs/architecture.md): modules stay small, imports stay at the top.

import-linter holds the floors and ruff the complexity; these two rules have no linter of their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "inspect_app"
MAX_LINES = 600
# Imports inside a function: only a heavy library one command or download alone needs, each with a comment.
MAX_LOCAL_IMPORTS = 10


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_no_module_passes_600_lines() -> None:
    lines = {str(p.relative_to(PACKAGE)): len(p.read_text("utf-8").splitlines()) for p in _modules()}
    long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert long == {}, f"split these by the work they do: {long}"


def test_imports_stay_at_the_top() -> None:
    local: list[str] = []
    for path in _modules():
        tree = ast.parse(path.read_text("utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                local += [f"{path.relative_to(PACKAGE)}:{node.lineno}" for node in ast.walk(function)
                          if isinstance(node, ast.Import | ast.ImportFrom)]
    assert len(local) <= MAX_LOCAL_IMPORTS, f"imports inside functions: {local}"
