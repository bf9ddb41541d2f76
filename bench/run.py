#!/usr/bin/env python
"""`make bench`: run every bench/bench_*.py and print figures with ratios against their floors.

Each module defines ``run(smoke: bool) -> list[Figure]``. A floor is the cheapest honest way to do the
same work (raw SQL, a raw library call); the ratio says what the product's own path costs on top.
Benchmarks run on a throw-away test database (SQLite unless LOANLIT_DATABASE_URL says otherwise).
``--smoke`` runs tiny sizes so CI proves the benchmarks still work, without timing anything.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOANLIT_TESTING", "true")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("only", nargs="*", help="bench module names (default: all)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test.utils import setup_test_environment

    from bench.common import print_figures, test_database

    setup_test_environment()
    names = args.only or sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    failed = False
    with test_database():
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            print(f"== {name}{' (smoke)' if args.smoke else ''}")
            try:
                print_figures(module.run(smoke=args.smoke))
            except Exception as exc:  # a broken benchmark must fail the run, with its name
                failed = True
                print(f"   FAILED: {exc!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
