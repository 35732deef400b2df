"""`python -m central.sim.panels` writes the contract's table of panels from the registry
(docs/api-contract.md, between its markers); `--check` only says whether it is current."""

from __future__ import annotations

import sys
from pathlib import Path

from central.sim.panels import contract_table

DOC = Path(__file__).resolve().parents[3] / "docs" / "api-contract.md"
BEGIN, END = "<!-- panels:", "<!-- end of panels -->"


def with_table(text: str) -> str:
    lines = text.split("\n")
    begin = next(i for i, line in enumerate(lines) if line.startswith(BEGIN))
    end = lines.index(END, begin)
    return "\n".join([*lines[:begin + 1], *contract_table(), *lines[end:]])


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    current = with_table(text)
    if "--check" in argv:
        print("current" if current == text else f"{DOC} is out of date: run python -m central.sim.panels")
        return 0 if current == text else 1
    DOC.write_text(current, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
