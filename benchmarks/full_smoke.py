"""The full profile of every notebook at smoke sizes, timed, on one device; the result is stored
as data with the commit, the hardware and the date.

    .venv/bin/python benchmarks/full_smoke.py [--device cuda] [--only 01 02] [--out PATH]

`make smoke` runs it on the CPU and `make smoke-cuda` on a GPU (see DEVELOPERS.md: run it
whenever a GPU is at hand; the test suite runs the CPU smoke in tests/test_full_smoke.py). Each
notebook runs through papermill into runs/smoke/full/ and figures/smoke/full/ with a fresh
results cache; a dataset that is not on disk is reported by the notebook as not run. The script
exits non-zero when a notebook fails and prints the failing cell.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import torch

from companion import runner


def hardware(device: str) -> str:
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (the notebooks' device parameter)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="notebooks (default: all)")
    ap.add_argument("--out", help="JSON result (default: benchmarks/results/full_smoke_<device>.json)")
    args = ap.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("full_smoke: --device cuda but torch sees no GPU", file=sys.stderr)
        return 2
    root = runner.project_root()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COMPANION_CACHE"] = cache
        results = runner.regenerate("full", args.only, parameters={"device": args.device}, smoke=True,
                                    progress=False)
    print(runner.summary_table(results))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=root).stdout.strip()
    record = {"what": "full profile at smoke sizes (companion regenerate --profile full --smoke)",
              "device": args.device, "hardware": hardware(args.device), "commit": commit,
              "torch": torch.__version__,
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "notebooks": [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 1),
                             "error": r.error} for r in results]}
    out = Path(args.out or root / "benchmarks" / "results" / f"full_smoke_{args.device.replace(':', '')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out.relative_to(root) if out.is_relative_to(root) else out}")
    return 0 if all(r.status == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
