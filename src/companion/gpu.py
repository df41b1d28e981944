"""`companion gpu` (`make gpu`): a short GPU slot spent on the full profiles.

Full-profile *pieces* in order of value per GPU-minute, each run first at smoke sizes on the device
(a code-path check of exactly what it will train) and then for real, each started only when its
estimated time fits what is left of the budget and stopped at the budget's end; `--check-all` first
runs every notebook's whole full smoke (about 14 minutes on two CPU cores, so not by default). A
piece is one notebook run of the full profile on a subset of its datasets and seeds; a notebook's
pieces grow (the second includes the first), so its results cache carries finished models from one
to the next and an interrupted slot keeps every piece it finished:
`<output>/figures/full/<notebook>/` with `run.json` (commit, hardware, date, wall time, command).
`<output>/gpu_timings.json` keeps each finished piece's training steps and wall time on that
hardware; later plans on the same hardware use these measurements instead of the estimates below.

    companion gpu --plan                    # the plan and what fits in 12 minutes; trains nothing
    companion gpu [--budget 12] [--device cuda] [--output .]
    companion gpu --device cpu --budget 3 --smoke --only 02 --output /tmp/scratch   # the script's own test

A CPU run is never stored under the project's `figures/full/` (`--device cpu` needs `--output`
elsewhere), so no committed full-profile result can come from a CPU.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .paths import figures_subdir, project_root

#: the budget of one slot in minutes (a lent GPU comes for 15 minutes, start-up included)
DEFAULT_BUDGET_MINUTES = 12.0
TIMINGS = "gpu_timings.json"

#: the experiment module and plan builder of each notebook (the plan lists the runs a piece trains)
EXPERIMENTS = {"01_soft_introvae_2d": "companion.papers.soft_introvae.toy2d",
               "02_sigma_vae_mnist": "companion.papers.sigma_vae.mnist_sweep",
               "03_dpvae_pockets_leaks": "companion.papers.dpvae.pockets_leaks",
               "04_selfvae_sketch": "companion.papers.selfvae.sketch_experiment",
               "05_ood_histograms": "companion.papers.soft_introvae.ood",
               "06_sos_vae": "companion.papers.sos_vae.structured_noise"}

#: [P] training-set sizes where a config says "the whole split" (n_train = 0)
SPLIT_SIZES = {"mnist": 60_000, "fashion-mnist": 60_000, "cifar10": 50_000, "svhn": 73_257, "celeba": 162_770}

#: [E] seconds per optimizer step on one H100, eager PyTorch, by notebook and model (or dataset).
#: ESTIMATES, not measurements: no GPU has been lent to this project yet. Reasoning: the 2-D and
#: 28 x 28 nets are far too small to load an H100, so a step costs about its kernel launches
#: (~10 µs each; a VAE step of two small nets with Adam launches ~200: 2 ms); the adversarial
#: steps run 4-5x the passes (the CPU ratio, benchmarks/README.md); the 32 x 32 and 64 x 64 conv
#: nets of the full profiles (width 128, ResNets) are taken as 3-10x a launch-bound step.
#: `gpu_timings.json` from a real slot replaces these for its hardware.
STEP_SECONDS_ESTIMATE = {
    "01_soft_introvae_2d": {"vae": 0.002, "introvae": 0.005, "sintrovae": 0.008},
    "02_sigma_vae_mnist": {"*": 0.003},
    "03_dpvae_pockets_leaks": {"moons": 0.002, "mnist": 0.003, "svhn": 0.006, "celeba": 0.008},
    "04_selfvae_sketch": {"cifar10": 0.012, "celeba": 0.030},
    "05_ood_histograms": {"mnist": 0.004, "fashion-mnist": 0.004, "cifar10": 0.010, "svhn": 0.010},
    "06_sos_vae": {"mnist": 0.003, "fashion-mnist": 0.003, "celeba": 0.015},
}
#: [E] evaluation, figures and tables as a share of a piece's training time, and a piece's fixed
#: cost (kernel start, imports, data loading, CUDA context)
EVALUATION_SHARE = 0.3
PIECE_START_SECONDS = 45.0
#: [E] a piece at smoke sizes before it runs (its datasets only; measured on this CPU the whole full
#: smokes took 50-361 s a notebook, CelebA and SVHN stand-ins included)
PIECE_CHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Piece:
    """One full-profile notebook run on a subset of its datasets and seeds."""

    notebook: str
    parameters: dict
    decides: str  # what it can settle that the CPU runs could not

    def plan(self, smoke: bool = False):
        module = importlib.import_module(EXPERIMENTS[self.notebook])
        # the plan of the runs, whatever data this machine has (a planning machine need not hold it)
        offline = {"check_data": False} if "check_data" in inspect.signature(module.make_plan).parameters else {}
        return module.make_plan("full", smoke=smoke, **offline, **self.parameters)

    def configs(self, smoke: bool = False) -> list:
        plan = self.plan(smoke)
        return list(plan.all_runs if hasattr(plan, "all_runs") else plan.runs)

    def label(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        return f"{self.notebook[:2]} ({args})"


#: [A] the pieces in order of value per GPU-minute: first what the CPU runs left NOT TESTED for want of
#: compute and a GPU may settle in minutes (03's two moons at the paper's iterations for the two
#: regularisers its claims name; 06 and 05 on 28 x 28 images at the paper's scale), then the larger
#: image models and the long sweeps. Within a notebook each piece contains the one before it, so a
#: slot cut short keeps the smaller piece's results and the larger reads its models from the cache.
PIECES = (
    Piece("03_dpvae_pockets_leaks", {"datasets": ["moons"], "regularizers": ["vae"], "seeds": [0, 1, 2]},
          "pockets and leaks on two moons (Fig. 1): the VAE ± the decoupled prior at the paper's iterations"),
    Piece("03_dpvae_pockets_leaks", {"datasets": ["moons"], "regularizers": ["vae", "beta_h"], "seeds": [0, 1, 2]},
          "the same for β-VAE-H"),
    Piece("06_sos_vae", {"datasets": ["fashion-mnist"], "seeds": [0, 1, 2]},
          "Table 1's Fashion-MNIST orderings and the coherence claims at latent 128, rank 25, 60k images"),
    Piece("05_ood_histograms", {"datasets": ["fashion-mnist"], "seeds": [0, 1, 2]},
          "Fashion-MNIST → MNIST: the 'VAE fails / Soft-IntroVAE near perfect' AUROCs at the paper's epochs"),
    Piece("04_selfvae_sketch", {"datasets": ["cifar10"], "seeds": [0, 1, 2]},
          "u reconstructs the sketch and RS2 on CIFAR-10 with width-128 nets and latents 16 x 8 x 8"),
    Piece("02_sigma_vae_mnist", {"dataset": "mnist", "table_datasets": ["mnist"], "seeds": [0, 1, 2]},
          "Table 1 and Fig. 1 on MNIST with the conv nets and 60k images"),
    Piece("03_dpvae_pockets_leaks", {"datasets": ["moons"], "seeds": [0, 1, 2]},
          "Table 2 on two moons: every regulariser ± the decoupled prior"),
    Piece("06_sos_vae", {"datasets": ["fashion-mnist", "mnist"], "seeds": [0, 1, 2]}, "the same on MNIST"),
    Piece("05_ood_histograms", {"datasets": ["fashion-mnist", "mnist"], "seeds": [0, 1, 2]}, "MNIST → Fashion-MNIST"),
    Piece("01_soft_introvae_2d", {"datasets": ["rings"], "seeds": [0, 1, 2]},
          "Fig. 2 and Table 2 on rings at the paper's 30k iterations, with Fig. 3's IntroVAE sweep and Fig. 21 "
          "(the full profile always trains both)"),
    Piece("03_dpvae_pockets_leaks", {"datasets": ["moons", "mnist"], "seeds": [0, 1, 2]},
          "the MNIST rows of Table 2 and Fig. 3 at 100k iterations"),
    Piece("01_soft_introvae_2d", {"datasets": ["rings", "8gaussians", "spiral", "checkerboard"], "seeds": [0, 1, 2]},
          "Table 2 on every density"),
)


# ------------------------------------------------------------------------------------ estimates

def training_steps(config) -> int:
    """Optimizer steps of one run: its iterations, else epochs × batches per epoch."""
    for name in ("n_iter", "iterations"):
        if hasattr(config, name):
            return int(getattr(config, name))
    n = getattr(config, "n_train", 0) or SPLIT_SIZES[config.dataset]
    return int(config.epochs) * math.ceil(n / config.batch_size)


def _kind(config) -> tuple:
    """The names a config's step cost is looked up by: its model (or method), then its dataset."""
    return tuple(str(getattr(config, k)) for k in ("method", "model", "dataset") if hasattr(config, k))


def estimated_step_seconds(notebook: str, config) -> float:
    table = STEP_SECONDS_ESTIMATE[notebook]
    for key in _kind(config) + ("*",):
        if key in table:
            return table[key]
    raise KeyError(f"no step-cost estimate for {notebook} {_kind(config)}")


def read_timings(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"pieces": []}


def measured_step_seconds(timings: dict, notebook: str, hardware: str, batched: bool = False) -> float | None:
    """Seconds per training step of `notebook`'s finished pieces on `hardware` trained the same way
    (`batched` or not: batched ensembles change the cost of a step), evaluation included (each piece's
    wall time less its fixed start, over its steps), None when none finished there."""
    batched = batched and notebook in BATCHED_SWEEPS
    rows = [p for p in timings.get("pieces", []) if p["notebook"] == notebook and p["hardware"] == hardware
            and p["status"] == "ok" and p.get("steps", 0) > 0 and not p.get("smoke")
            and bool(p.get("batched")) == batched]
    if not rows:
        return None
    return max(sum(p["seconds"] - PIECE_START_SECONDS for p in rows), 0.0) / sum(p["steps"] for p in rows)


@dataclass
class Estimate:
    piece: Piece
    runs: int   # runs this piece adds to what its notebook's earlier pieces trained
    steps: int  # their training steps
    seconds: float
    basis: str
    need: float = 0.0  # seconds with its check at smoke sizes
    fits: bool = False


def estimate_one(piece: Piece, trained: set, timings: dict, hardware: str, smoke: bool = False,
                 batched: bool = True) -> Estimate:
    """`piece`'s runs that are not in `trained` (the configs earlier pieces trained), their steps and
    the piece's estimated seconds: measured per-step costs on `hardware` when there are any, else
    STEP_SECONDS_ESTIMATE."""
    new = [c for c in piece.configs(smoke) if c not in trained]
    steps = sum(training_steps(c) for c in new)
    measured = measured_step_seconds(timings, piece.notebook, hardware, batched)
    if measured is not None:
        seconds = PIECE_START_SECONDS + steps * measured
        basis = f"measured on {hardware}: {measured * 1e3:.2f} ms/step"
    else:
        train = sum(training_steps(c) * estimated_step_seconds(piece.notebook, c) for c in new)
        seconds, basis = PIECE_START_SECONDS + train * (1 + EVALUATION_SHARE), "estimate (no GPU step measured)"
    return Estimate(piece, len(new), steps, seconds, basis, seconds + (0 if smoke else PIECE_CHECK_SECONDS))


def estimate(pieces, timings: dict, hardware: str, budget_seconds: float, smoke: bool = False,
             batched: bool = True) -> list[Estimate]:
    """The plan: each piece estimated after the pieces before it that fit; `fits` marks the pieces a
    slot of `budget_seconds` would run, taken in order, skipping any that would not fit."""
    trained: set = set()
    out, left = [], budget_seconds
    for piece in pieces:
        e = estimate_one(piece, trained, timings, hardware, smoke, batched)
        if e.need <= left:
            e.fits, left = True, left - e.need
            trained.update(piece.configs(smoke))
        out.append(e)
    return out


def plan_table(estimates: list[Estimate], budget_seconds: float) -> str:
    lines = [f"Full-profile pieces in order of value per GPU-minute; budget {budget_seconds / 60:.1f} min "
             f"(each piece is checked at smoke sizes first: ≈ {PIECE_CHECK_SECONDS / 60:.0f} min, counted in 'fits').",
             "", f"{'piece':<80} {'new runs':>8} {'steps':>10} {'est. min':>9}  fits  basis"]
    for e in estimates:
        lines.append(f"{e.piece.label():<80} {e.runs:>8} {e.steps:>10,} {e.seconds / 60:>9.1f}  "
                     f"{'yes' if e.fits else 'no ':<4}  {e.basis}")
        lines.append(f"    decides: {e.piece.decides}")
    total = sum(e.seconds for e in estimates)
    fitted = sum(e.need for e in estimates if e.fits)
    lines += ["", f"fits: {sum(e.fits for e in estimates)} of {len(estimates)} pieces, {fitted / 60:.1f} of "
                  f"{budget_seconds / 60:.1f} min; all pieces ≈ {total / 3600:.1f} GPU-hours (every notebook's "
                  "full profile as pieces list it)"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ running

def _hardware(device: str) -> str:
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return "cpu"


def check_arguments(device: str, output: Path, budget_minutes: float, only) -> None:
    """Every argument, before any work."""
    import torch

    if not (budget_minutes > 0 and math.isfinite(budget_minutes)):
        raise ValueError(f"--budget must be a positive number of minutes, got {budget_minutes}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {device}: torch sees no CUDA GPU (use --plan to see the plan without one)")
    if not (device == "cpu" or device.startswith("cuda")):
        raise ValueError(f"--device must be cuda, cuda:N or cpu, got {device!r}")
    if device == "cpu" and Path(output).resolve() == project_root().resolve():
        raise ValueError("--device cpu writes full-profile results that must never be committed: give --output "
                         "a scratch folder outside the project")
    unknown = [n for n in (only or []) if not any(nb.startswith(n) for nb in EXPERIMENTS)]
    if unknown:
        raise ValueError(f"--only: unknown notebook(s) {unknown}; choose from {', '.join(EXPERIMENTS)}")


def selected(only) -> tuple:
    return tuple(p for p in PIECES if not only or any(p.notebook.startswith(n) for n in only))


def _run_piece(piece: Piece, output: Path, device: str, smoke: bool, timeout: float,
               batched: bool = True) -> tuple[str, float, str]:
    """Run one piece in a child process (so the budget can stop it); (status, seconds, error)."""
    job = {"notebook": piece.notebook, "parameters": {**piece.parameters, "device": device, "jobs": 1},
           "output": str(output), "smoke": smoke, "batched": batched}
    start = time.perf_counter()
    proc = subprocess.Popen(_piece_command(job), start_new_session=True)
    try:
        rc = proc.wait(timeout=max(timeout, 1.0))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "stopped at the budget", time.perf_counter() - start, ""
    return ("ok" if rc == 0 else "failed"), time.perf_counter() - start, "" if rc == 0 else f"exit code {rc}"


def _piece_command(job: dict) -> list[str]:
    return [sys.executable, "-m", "companion.gpu", "--piece", json.dumps(job)]


def _piece_main(job: dict) -> int:
    """In the child: one notebook run of the full profile into `output` (figures, run.json, notebook)."""
    from . import runner
    from .stored import PROVENANCE

    root, output = project_root(), Path(job["output"])
    name = job["notebook"]
    source = root / "notebooks" / f"{name}.ipynb"
    figures = output / figures_subdir(name, "full")
    params = dict(job["parameters"])
    if job["smoke"]:
        params["smoke"] = True
    batched = 0
    with runner.pinned_cpu_kernels(), runner.smoke_data(job["smoke"]):
        if job.get("batched") and name in BATCHED_SWEEPS:
            batched = _train_batched(name, job, params)
        res = runner.execute(name, source, output / "runs" / "full" / f"{name}.ipynb", figures, "full", None,
                             False, root, params)
    provenance = figures / PROVENANCE
    if provenance.exists():
        # a smoke's tables say so (their numbers mean nothing); so does a run whose models were trained as
        # batched ensembles (its command, rerun, trains them one by one: the same computation, float32
        # rounding apart)
        extra = {"smoke": True} if job["smoke"] else {}
        if batched:
            extra["batched_runs"] = batched
        provenance.write_text(json.dumps({**json.loads(provenance.read_text()), **extra}, indent=1) + "\n")
    print(f"[{res.status}] {name} in {res.seconds:.0f} s{': ' + res.error if res.error else ''}", flush=True)
    return 0 if res.status == "ok" else 1


#: [A] notebooks whose full-profile sweeps train as batched ensembles before the notebook runs
#: (`companion.batched_sweeps`: each member stored under its own config's key, so the notebook loads
#: them); on a GPU the members' small steps share kernels. Off with `--sequential`.
BATCHED_SWEEPS = ("01_soft_introvae_2d", "02_sigma_vae_mnist", "03_dpvae_pockets_leaks", "05_ood_histograms")


def _train_batched(name: str, job: dict, params: dict) -> int:
    """The piece's batchable runs trained as batched ensembles into the cache (`COMPANION_CACHE`);
    returns how many are there (trained now or found)."""
    from .batched_sweeps import train_batched

    piece = Piece(name, {k: v for k, v in job["parameters"].items() if k not in ("device", "jobs")}, "")
    start = time.perf_counter()
    runs = train_batched(piece.configs(job["smoke"]), params["device"], progress=False)
    print(f"[gpu] {name}: {len(runs)} runs trained as batched ensembles (or found in the cache) in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    return len(runs)


def run(budget_minutes: float = DEFAULT_BUDGET_MINUTES, device: str = "cuda", output: Path | None = None,
        only=None, smoke: bool = False, check_all: bool = False, echo=print, batched: bool = True) -> dict:
    """The slot, timed: optionally every notebook's whole full smoke first (`check_all`), then each
    piece that fits what is left, each preceded by itself at smoke sizes (the same datasets and
    seeds; a failing check skips the piece). Returns the timings record, also written to
    `<output>/gpu_timings.json` after every step."""
    output = Path(output or project_root()).resolve()
    check_arguments(device, output, budget_minutes, only)
    from . import runner

    pieces = selected(only)
    budget, start = budget_minutes * 60, time.perf_counter()
    left = lambda: budget - (time.perf_counter() - start)  # noqa: E731
    hardware = _hardware(device)
    timings_path = output / TIMINGS
    timings = read_timings(timings_path)
    timings.setdefault("smoke", {})
    os.environ.setdefault("COMPANION_CACHE", str(output / ".cache" / "gpu"))
    if check_all:
        notebooks = list(dict.fromkeys(p.notebook for p in pieces))
        echo(f"[gpu] {len(notebooks)} notebook(s)' whole full profile at smoke sizes on {device}")
        import tempfile

        with tempfile.TemporaryDirectory() as cache, runner.environment("COMPANION_CACHE", cache):
            results = runner.regenerate("full", notebooks, parameters={"device": device, "jobs": 1}, smoke=True,
                                        progress=False, echo=echo)
        timings["smoke"].update({r.name: {"status": r.status, "seconds": round(r.seconds, 1), "hardware": hardware,
                                          "date": time.strftime("%Y-%m-%d")} for r in results})
        _write(timings_path, timings)
        failed = {r.name for r in results if r.status != "ok"}
        if failed:
            echo(f"[gpu] the full smoke failed for {', '.join(sorted(failed))}: their pieces are skipped")
            pieces = tuple(p for p in pieces if p.notebook not in failed)
    trained: set = set()
    for piece in pieces:
        e = estimate_one(piece, trained, timings, hardware, smoke, batched)
        if e.need > left():
            echo(f"[gpu] skip {e.piece.label()}: ≈ {e.need / 60:.1f} min, {left() / 60:.1f} left")
            continue
        if not smoke:
            status, seconds, error = _run_piece(e.piece, output, device, True, left(), batched)
            if status != "ok":
                echo(f"[gpu] {e.piece.label()} at smoke sizes: {status} {error}; the piece is skipped")
                _record(timings, timings_path, e, "check " + status, hardware, seconds, True, error)
                continue
        echo(f"[gpu] {e.piece.label()}: {e.runs} new runs, ≈ {e.seconds / 60:.1f} min ({e.basis})")
        status, seconds, error = _run_piece(e.piece, output, device, smoke, left(), batched)
        _record(timings, timings_path, e, status, hardware, seconds, smoke, error,
                batched and e.piece.notebook in BATCHED_SWEEPS)
        echo(f"[gpu] {status}: {e.piece.label()} in {seconds / 60:.1f} min (estimated {e.seconds / 60:.1f})")
        if status == "ok":
            trained.update(piece.configs(smoke))
    return timings


def _record(timings: dict, path: Path, e: Estimate, status: str, hardware: str, seconds: float, smoke: bool,
            error: str, batched: bool = False) -> None:
    timings["pieces"].append({"notebook": e.piece.notebook, "parameters": e.piece.parameters, "status": status,
                              "hardware": hardware, "date": time.strftime("%Y-%m-%d"), "steps": e.steps,
                              "runs": e.runs, "seconds": round(seconds, 1), "estimated": round(e.seconds, 1),
                              "smoke": smoke, "error": error, "batched": batched})
    _write(path, timings)


def _write(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="companion gpu", description=__doc__.split("\n\n")[0])
    add_arguments(ap)
    ap.add_argument("--piece", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.piece:
        return _piece_main(json.loads(args.piece))
    return command(args)


def add_arguments(ap) -> None:
    ap.add_argument("--plan", action="store_true", help="print the pieces, their estimated GPU time and what "
                                                        "fits in the budget; trains nothing")
    ap.add_argument("--budget", type=float, default=DEFAULT_BUDGET_MINUTES, metavar="MINUTES",
                    help=f"wall-clock minutes for the whole slot (default {DEFAULT_BUDGET_MINUTES:g})")
    ap.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu (cpu needs --output outside the "
                                                     "project: a check of the script, never a stored result)")
    ap.add_argument("--output", type=Path, default=None, help="where figures/full/<notebook>/, runs/full/ and "
                                                              f"{TIMINGS} go (default: the project)")
    ap.add_argument("--only", nargs="+", metavar="NN", help="only these notebooks' pieces (e.g. 02 06)")
    ap.add_argument("--smoke", action="store_true", help="the pieces at smoke sizes (checks the script; "
                                                         "numbers meaningless)")
    ap.add_argument("--sequential", action="store_true",
                    help="train 01, 02, 03 and 05 run by run instead of as batched ensembles (to time the two)")
    ap.add_argument("--check-all", action="store_true",
                    help="first every selected notebook's whole full profile at smoke sizes (≈ 14 min on two CPU "
                         "cores; each piece is checked at smoke sizes before it runs anyway)")


def command(args) -> int:
    try:
        if args.plan:
            output = Path(args.output or project_root())
            if not (args.budget > 0 and math.isfinite(args.budget)):
                raise ValueError(f"--budget must be a positive number of minutes, got {args.budget}")
            timings = read_timings(output / TIMINGS)
            hardware = next((p["hardware"] for p in reversed(timings["pieces"]) if p["hardware"] != "cpu"), "none")
            print(plan_table(estimate(selected(args.only), timings, hardware, args.budget * 60, args.smoke,
                                      not args.sequential), args.budget * 60))
            return 0
        timings = run(args.budget, args.device, args.output, args.only, args.smoke, args.check_all,
                      batched=not args.sequential)
    except ValueError as err:
        print(f"companion gpu: {err}", file=sys.stderr)
        return 2
    bad = [p for p in timings["pieces"] if p["status"] == "failed"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
