"""Imports sit at the top of modules, so each module's dependencies can be read (and checked by the layering
contract) in one place; the exceptions are the lazy imports of heavy libraries (torch, ONNX, ONNX Runtime, Qt,
scikit-learn, Pillow, safetensors, pyqtgraph, and our one torch module), each marked `# lazy` where it stands, so the
window and the command line start without loading them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"
HEAVY = ("torch", "onnx", "onnxruntime", "sklearn", "PIL", "safetensors", "pyqtgraph", "PySide6", "shiboken6",
         "pyarrow", "optuna", "workbench.core.layers.modules", "workbench.gui")


def function_level_imports(path: Path):
    tree = ast.parse(path.read_text())
    lines = path.read_text().splitlines()
    guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try) for n in ast.walk(t)}
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded:
                    name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    yield node.lineno, name, lines[node.end_lineno - 1]


def heavy(name: str) -> bool:
    return any(name == h or name.startswith(h + ".") for h in HEAVY)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_function_level_imports_are_heavy_and_marked(path):
    wrong = [f"line {line}: {name}" + ("" if heavy(name) else " (light: import it at the top)") +
             ("" if "# lazy" in text else " (not marked '# lazy')")
             for line, name, text in function_level_imports(path) if not (heavy(name) and "# lazy" in text)]
    assert wrong == []
