"""The longest functions of the package (lines from ``def`` to the last line, docstring included).

Reproducible before/after measure of issue 8 ("no function in classification, pipeline or
reporting over 100 lines").  Nested functions and methods count on their own (and inside
their parent).

    .venv/bin/python benchmarks/longest_functions.py [--top 10] [--src src/myosleep] [--limit 100 --under classification,pipeline.py,reporting]
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "myosleep"


def functions(src: Path) -> list[tuple[int, str]]:
    """(lines, "path::qualified.name") of every function and method under ``src``."""
    out: list[tuple[int, str]] = []
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(src).as_posix()

        def visit(node: ast.AST, prefix: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = f"{prefix}{child.name}"
                    out.append((child.end_lineno - child.lineno + 1, f"{rel}::{name}"))  # type: ignore[operator]
                    visit(child, name + ".")
                elif isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
                else:
                    visit(child, prefix)

        visit(tree, "")
    return sorted(out, key=lambda t: (-t[0], t[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--src", type=Path, default=SRC)
    ap.add_argument("--limit", type=int, default=None, help="exit 1 if a function under --under is longer")
    ap.add_argument("--under", default="classification,pipeline.py,reporting",
                    help="comma-separated folders/modules the limit applies to")
    args = ap.parse_args()
    found = functions(args.src)
    for n, name in found[: args.top]:
        print(f"{n:5d}  {name}")
    if args.limit is None:
        return 0
    scope = tuple(p.strip() for p in args.under.split(",") if p.strip())
    over = [(n, name) for n, name in found if n > args.limit and name.split("::")[0].startswith(scope)]
    for n, name in over:
        print(f"over {args.limit} lines: {n}  {name}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
