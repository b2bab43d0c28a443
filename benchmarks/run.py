"""`make bench`: runs every benchmark module of this folder and prints its figures.

Each module `bench_*.py` exposes `run() -> list[tuple[str, str]]` (label, figure). Figures are
printed, never asserted: performance targets live in the issues and the closing notes.
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    modules = sorted(HERE.glob("bench_*.py"))
    print(f"{len(modules)} benchmark(s)")
    for path in modules:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {path.stem}")
        for label, figure in module.run():
            print(f"  {label:<50} {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
