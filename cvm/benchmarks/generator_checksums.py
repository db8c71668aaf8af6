"""The generator's output, byte for byte: sha256 of every file it writes.

Usage::

    python -m cvm.benchmarks.generator_checksums sums DIR [DIR ...]
    python -m cvm.benchmarks.generator_checksums compare BEFORE AFTER
    python -m cvm.benchmarks.generator_checksums refresh

``sums`` prints the sha256 of every file below each directory (a landing
directory, or any folder the generator wrote into). ``compare`` says, file
by file, whether two directories hold the same bytes (exit 1 if not): run
the generator before and after a change with the same arguments, then
compare. ``refresh`` regenerates the small configurations of ``CONFIGS`` and
rewrites ``tests/python/generator_checksums.json``, which
``tests/python/test_generator_checksums.py`` checks on every test run.

Refresh only when the output is meant to change (a new planted trait, a
fix): the test exists to catch the changes that are not meant. The bytes of
parquet files also depend on the pinned DuckDB and pyarrow versions, so an
upgrade of either needs a refresh too (check the manifests first: same rows,
same counts).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from cvm.settings import PROJECT_DIR

EXPECTED = PROJECT_DIR / "tests" / "python" / "generator_checksums.json"
# Small runs that reach every stage: dirty parquet (folders of parts), dirty
# CSV, and a clean run exporting the whole usage history and latent signals.
CONFIGS: dict[str, dict[str, Any]] = {
    "dirty_parquet": {
        "customers": 60,
        "months": 12,
        "seed": 7,
        "fmt": "parquet",
        "dirty": True,
    },
    "dirty_csv": {
        "customers": 60,
        "months": 12,
        "seed": 7,
        "fmt": "csv",
        "dirty": True,
    },
    "clean_latent": {
        "customers": 60,
        "months": 12,
        "seed": 1,
        "fmt": "parquet",
        "dirty": False,
        "usage_days": 372,
        "latent": True,
    },
}
LATENT_FILE = "latent_signals.parquet"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """Relative path (POSIX) -> sha256 of every file below ``folder``."""
    return {
        path.relative_to(folder).as_posix(): sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """One line per file that is missing, new or has other bytes."""
    lines = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            lines.append(f"missing: {name}")
        elif name not in expected:
            lines.append(f"new:     {name}")
        elif expected[name] != actual[name]:
            lines.append(f"differs: {name}")
    return lines


def generate_config(name: str, work: Path) -> dict[str, str]:
    """Run configuration ``name`` into ``work``; the checksums of what it wrote.

    The landing files are under ``landing/``; the latent signals, when the
    configuration writes them, are ``latent_signals.parquet`` beside it.
    """
    from cvm.generate import generate

    config = dict(CONFIGS[name])
    latent = work / LATENT_FILE if config.pop("latent", False) else None
    generate(out=work / "landing", latent_out=latent, **config)
    return checksums(work)


def refresh() -> int:
    expected = {}
    for name in CONFIGS:
        with tempfile.TemporaryDirectory(prefix=f"cvm-checksums-{name}-") as tmp:
            expected[name] = generate_config(name, Path(tmp))
        print(f"{name}: {len(expected[name])} files")
    EXPECTED.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {EXPECTED.relative_to(PROJECT_DIR)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sums = commands.add_parser("sums", help="sha256 of every file below DIR")
    sums.add_argument("folders", nargs="+", type=Path)
    compare = commands.add_parser("compare", help="are two folders byte-identical?")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    commands.add_parser("refresh", help=f"rewrite {EXPECTED.name}")
    args = parser.parse_args(argv)
    if args.command == "refresh":
        return refresh()
    if args.command == "sums":
        for folder in args.folders:
            for name, digest in checksums(folder).items():
                print(f"{digest}  {folder / name}")
        return 0
    before, after = checksums(args.before), checksums(args.after)
    lines = differences(before, after)
    for line in lines:
        print(line)
    same = len(before.keys() & after.keys()) - sum(
        line.startswith("differs") for line in lines
    )
    print(
        f"{same} of {len(before)} files byte-identical "
        f"({len(after)} files after): {'IDENTICAL' if not lines else 'DIFFERENT'}"
    )
    return 0 if not lines else 1


if __name__ == "__main__":
    sys.exit(main())
