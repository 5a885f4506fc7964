"""The code's layering holds: the import-linter contracts of pyproject.toml (front ends above the project tier,
above compression, export, training, data and graph, layers; no page of the app importing another), and a broken
layer (an import from training into export) is caught."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
from importlinter.application.app_config import settings
from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

ROOT = Path(__file__).resolve().parent.parent


def broken_contracts(extra_import: tuple[str, str] | None = None) -> list[str]:
    """The names of the contracts that fail (with one more import `importer -> imported` when given)."""
    configure()
    builder = settings.GRAPH_BUILDER

    class WithExtraImport:
        def build(self, **options):
            graph = builder.build(**options)
            if extra_import is not None:
                graph.add_import(importer=extra_import[0], imported=extra_import[1], line_number=1,
                                 line_contents=f"import {extra_import[1]}")
            return graph

    settings.configure(GRAPH_BUILDER=WithExtraImport())
    cwd, printed = os.getcwd(), io.StringIO()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(printed):
            passed = lint_imports(str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True, is_debug_mode=True)
    finally:
        os.chdir(cwd)
        settings.configure(GRAPH_BUILDER=builder)
    lines = printed.getvalue().splitlines()
    broken = [line.rsplit(" BROKEN", 1)[0].strip() for line in lines if line.rstrip().endswith("BROKEN")]
    kept = [line for line in lines if line.rstrip().endswith("KEPT")]
    assert len(broken) + len(kept) == 2, printed.getvalue()  # both contracts were checked
    assert bool(passed) == (not broken)
    return broken


def test_the_layering_contracts_hold():
    assert broken_contracts() == []


@pytest.mark.parametrize("importer, imported, contract", [
    ("workbench.core.training.trainer", "workbench.core.export.bundle", "Front ends, project tier"),
    ("workbench.core.export.bundle", "workbench.core.compression.variants", "Front ends, project tier"),
    ("workbench.core.project.model", "workbench.cli.common", "Front ends, project tier"),
    ("workbench.cli.train", "workbench.gui.workers", "Front ends, project tier"),
    ("workbench.gui.pages.export.page", "workbench.gui.pages.design.page", "No page of the app imports another"),
])
def test_an_import_against_the_layers_breaks_a_contract(importer, imported, contract):
    broken = broken_contracts((importer, imported))
    assert len(broken) == 1 and broken[0].startswith(contract)
