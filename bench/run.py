"""``python -m bench.run [--quick] [--no-postgres] [--only SECTION …]``: run and print everything.

The sections run in one process, each with its own raw SHA-256 baseline, and the report
ends with every target marked met or NOT MET. Big stores are cached in ``bench/.cache/``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench import briefs, imports, linking, load, memory, persisted, proofs, record, verify
from bench.config import FULL, QUICK, Config
from bench.corpus import POSTGRES, Pool, load_pool, postgres_problem, say
from bench.measure import Section
from bench.report import machine_text, section_text, targets_text

SECTIONS = (
    "memory",
    "persisted",
    "proofs",
    "verify",
    "record",
    "load",
    "imports",
    "linking",
    "briefs",
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL rows")
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, help="run only this section (repeatable)"
    )
    return parser.parse_args(argv)


def _runners(
    config: Config, pool: Pool, postgres_problem: str | None
) -> dict[str, Callable[[], Section]]:
    return {
        "memory": lambda: memory.run(config, pool),
        "persisted": lambda: persisted.run(config, pool, postgres_problem),
        "proofs": lambda: proofs.run(config, pool),
        "verify": lambda: verify.run(config, pool),
        "record": lambda: record.run(config, postgres_problem),
        "load": lambda: load.run(config, postgres_problem),
        "imports": lambda: imports.run(2_000 if config is QUICK else 20_000),
        "linking": lambda: _numbered(8, linking.run(quick=config is QUICK)),
        "briefs": lambda: _numbered(9, briefs.run(quick=config is QUICK)),
    }


def _numbered(number: int, section: Section) -> Section:
    if not section.title[:1].isdigit():
        section.title = f"{number}. {section.title}"
    return section


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    config = QUICK if args.quick else FULL
    problem = "PostgreSQL skipped (--no-postgres)" if args.no_postgres else postgres_problem()
    started = time.perf_counter()
    print(machine_text(None if problem else POSTGRES, config.name))
    pool = load_pool(config.pool)
    sections = []
    for name, runner in _runners(config, pool, problem).items():
        if args.only and name not in args.only:
            continue
        say(f"running {name} …")
        section = runner()
        sections.append(section)
        print(section_text(section), flush=True)
    print(targets_text([target for section in sections for target in section.targets]))
    if config == QUICK:
        print("(--quick: sizes too small for the targets to mean much; a smoke run only)")
    print(f"Total time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
