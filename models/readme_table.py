"""Keep the model table in models/README.md up to date; used by the training/export scripts. Not a script.

The table lives between the markers below; each model owns one row, keyed by its first cell.
"""

from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"
BEGIN = "<!-- model-table:begin -->"
END = "<!-- model-table:end -->"
HEADER = ["model", "file", "dataset", "torch top-1 (full test set)", "torch top-1 (committed subset)",
          "command that made it"]


def set_row(cells):
    """Insert or replace the row whose first cell equals cells[0]."""
    text = README.read_text()
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    rows = [line for line in body.strip().splitlines()[2:] if line.strip()]
    line = "| " + " | ".join(cells) + " |"
    key = f"| {cells[0]} |"
    rows = [line if r.startswith(key) else r for r in rows]
    if line not in rows:
        rows.append(line)
    table = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)] + sorted(rows)
    README.write_text(head + BEGIN + "\n" + "\n".join(table) + "\n" + END + tail)
