"""Prints the hostile-input battery's cases counted by entry point and expected outcome, as a markdown table for
docs/reliability.md.  Run:  .venv/bin/python tests/hostile/count_cases.py [--list]"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import command_cases  # noqa: E402
import disk_cases  # noqa: E402
import project_cases  # noqa: E402
from battery_cases import CASES as READER_CASES  # noqa: E402
from battery_cases import MEMORY_CASES  # noqa: E402

CASES = READER_CASES + project_cases.CASES + command_cases.CASES + disk_cases.CASES


def outcome(case) -> str:
    return f"exits {case.expect.status}" if case.expect.kind == "exits" else case.expect.kind


def kind_order(kind: str) -> tuple:
    named = ["refused", "warned", "accepted"]
    if kind in named:
        return 0, named.index(kind)
    if kind == "memory":
        return 2, 0
    return 1, int(kind.split()[1])


def main() -> None:
    counts = Counter((c.entry, outcome(c)) for c in CASES)
    counts.update((c.entry, "memory") for c in MEMORY_CASES)
    entries = list(dict.fromkeys([c.entry for c in CASES] + [c.entry for c in MEMORY_CASES]))
    kinds = sorted({kind for _, kind in counts}, key=kind_order)
    print("| entry point | " + " | ".join(kinds) + " | cases |")
    print("| --- | " + " | ".join("---:" for _ in kinds) + " | ---: |")
    for entry in entries:
        row = [counts[(entry, k)] for k in kinds]
        print(f"| {entry} | " + " | ".join(str(n) if n else "" for n in row) + f" | {sum(row)} |")
    totals = [sum(counts[(e, k)] for e in entries) for k in kinds]
    print("| **all** | " + " | ".join(str(n) for n in totals) + f" | **{sum(totals)}** |")
    known = [c for c in CASES if getattr(c, "known_defect", None)]
    if known:
        print(f"\nKnown defects, expected to fail (strict xfail): {len(known)}")
        for c in known:
            print(f"- {c.entry}: {c.name}: {c.known_defect}")
    if "--list" in sys.argv:
        for c in CASES:
            print(f"- {c.entry}: {c.name} -> {outcome(c)}")
        for c in MEMORY_CASES:
            print(f"- {c.entry}: {c.name} -> at most {c.limit_mib} MiB more")


if __name__ == "__main__":
    main()
