"""workbench/core must not import Qt: the command line and core tests run without a display."""

import subprocess
import sys
from pathlib import Path

import workbench

CORE = Path(workbench.__file__).parent / "core"


def test_importing_every_core_module_loads_no_qt():
    modules = sorted("workbench." + ".".join(p.relative_to(CORE.parent).with_suffix("").parts)
                     .replace(".__init__", "") for p in CORE.rglob("*.py"))
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', "
            "'superqt', 'qtpy') or m.startswith('workbench.gui'))\n"
            "print(','.join(bad))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"core imported Qt or the GUI: {run.stdout}"


def test_no_core_source_mentions_a_qt_import():
    offenders = []
    for path in CORE.rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                    q in stripped.split()[1] for q in ("PySide6", "PyQt", "pyqtgraph", "superqt", "workbench.gui")):
                offenders.append(f"{path.name}: {stripped}")
    assert offenders == []
