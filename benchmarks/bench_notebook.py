"""Wall time and peak memory of one notebook executed with papermill (quick profile).

    .venv/bin/python benchmarks/bench_notebook.py 01_soft_introvae_2d [--jobs 2]

Runs with an empty results cache, so every model trains. Peak memory is the largest sum of the
resident set sizes of the whole process tree (papermill, the kernel, its training workers),
sampled every 0.2 s from /proc (Linux only).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _children(pid):
    try:
        out = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
        return out
    except OSError:
        return []


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(pid):
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += _rss_kib(p)
        stack += _children(p)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebook", nargs="?", default="01_soft_introvae_2d")
    ap.add_argument("--jobs", type=int, default=2, help="training processes inside the notebook")
    ap.add_argument("--in-place", action="store_true",
                    help="store the executed notebook and its figures in the repository "
                         "(what `companion regenerate --only NAME` writes)")
    args = ap.parse_args()
    src = ROOT / "notebooks" / f"{args.notebook}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, COMPANION_CACHE=str(Path(tmp) / "cache"), COMPANION_JOBS=str(args.jobs))
        out, figs = Path(tmp) / "out.ipynb", Path(tmp) / "figures"
        if args.in_place:
            out, figs = src, Path("figures") / args.notebook
        cmd = [sys.executable, "-m", "papermill", str(src), str(out),
               "-p", "output_dir", str(figs), "--no-progress-bar"]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        peak = [0]

        def sample():
            while proc.poll() is None:
                peak[0] = max(peak[0], tree_rss_kib(proc.pid))
                time.sleep(0.2)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        rc = proc.wait()
        wall = time.perf_counter() - start
        t.join()
    print(f"notebook {args.notebook}: exit {rc}, wall {wall:.0f} s ({wall / 60:.1f} min), "
          f"peak memory {peak[0] / 1024:.0f} MiB (process tree), {args.jobs} training process(es)")
    sys.exit(rc)


if __name__ == "__main__":
    main()
