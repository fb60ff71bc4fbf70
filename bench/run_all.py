"""Run every bench script and print one table of figures, floors and ratios.

    DEBUG=true .venv/bin/python bench/run_all.py            # what `make bench` runs
    DEBUG=true .venv/bin/python bench/run_all.py close_quarter command_startup

Each `bench/*.py` script (this one and `_`-prefixed helpers aside) runs with
its defaults and `BENCH_POSTGRES_URL` in its environment. Every line it prints
to stdout of the form `name | figure | floor | ratio` becomes a row of the
table; anything else it prints (progress, profiles) passes through to stderr.
A script that fails is reported in the table and the others still run.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    wanted = set(sys.argv[1:])
    scripts = sorted(
        p
        for p in BENCH.glob("*.py")
        if p.name != "run_all.py"
        and not p.name.startswith("_")
        and (not wanted or p.stem in wanted)
    )
    rows: list[list[str]] = []
    for script in scripts:
        print(f"# {script.name} …", file=sys.stderr, flush=True)
        process = subprocess.run(
            [sys.executable, str(script)], cwd=BENCH.parent, capture_output=True, text=True
        )
        sys.stderr.write(process.stderr[-4000:])
        for line in process.stdout.splitlines():
            cells = [cell.strip() for cell in line.split(" | ")]
            if len(cells) == 4:
                rows.append(cells)
            else:
                print(line, file=sys.stderr)
        if process.returncode:
            rows.append([script.stem, f"failed (exit {process.returncode})", "—", "—"])
    print(f"Machine: {machine()}\n")
    print("| work | figure | floor | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
