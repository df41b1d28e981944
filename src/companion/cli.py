"""The `companion` command: list the notebooks, run one or regenerate them headlessly, build the report."""

from __future__ import annotations

import argparse
import sys

from . import runner as run


def _list(args) -> int:
    paths = run.notebook_paths()
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    for name, path in paths.items():
        print(f"{name}  ({path.relative_to(run.project_root())})")
        for pname, (default, typ, helptext) in run.notebook_parameters(path).items():
            note = f"  # {helptext}" if helptext else ""
            print(f"    {pname} = {default}  [{typ}]{note}")
    return 0


def _regenerate(args) -> int:
    try:
        params = {"device": args.device} if args.device else None
        results = run.regenerate(args.profile, args.only, args.jobs, progress=not args.quiet,
                                 parameters=params, smoke=args.smoke, scheduler=args.scheduler)
    except (ValueError, ConnectionError, ImportError) as err:
        print(f"companion: {err}", file=sys.stderr)
        return 2
    print()
    print(run.summary_table(results))
    failed = [r.name for r in results if r.status != "ok"]
    if failed:
        print(f"\n{len(failed)} of {len(results)} notebook(s) failed: {', '.join(failed)}")
        return 1
    print(f"\nall {len(results)} notebook(s) ran")
    return 0


def _report(args) -> int:
    from .report import build_site

    try:
        index = build_site(out=args.output, notebooks=args.only)
    except ValueError as err:
        print(f"companion: {err}", file=sys.stderr)
        return 2
    print(f"[ok] report -> {index}")
    return 0


def _smoke_lines(line: str) -> None:
    """`companion run` prints only what a smoke says of its data (the stand-in images it uses)."""
    if line.startswith("[smoke]"):
        print(line)


def _run(args) -> int:
    params = {name: run.parse_value(value) for name, value in args.parameter or []}
    try:
        res = run.run_notebook(args.notebook, args.profile, params, args.output,
                               progress=not args.quiet, echo=_smoke_lines, smoke=args.smoke,
                               scheduler=args.scheduler)
    except (ValueError, ConnectionError, ImportError) as err:
        print(f"companion: {err}", file=sys.stderr)
        return 2
    where = args.output or res.output
    if res.status != "ok":
        print(f"[failed] {res.name} ({args.profile}) in {res.seconds:.0f} s -- {res.error} "
              f"(executed notebook: {where})", file=sys.stderr)
        return 1
    print(f"[ok] {res.name} ({args.profile}) in {res.seconds:.0f} s -> {where}")
    return 0


SCHEDULER_HELP = ("train each notebook's runs on Dask: 'local' (a LocalCluster of --jobs workers per "
                  "notebook) or a scheduler's address, tcp://HOST:8786 (see README, 'Running on a cluster'); "
                  "default: $COMPANION_SCHEDULER, else local worker processes")
PROFILE_HELP = ("quick: CPU minutes, refreshes notebooks/ and figures/ in place; "
                "extended: long CPU runs (20 min to 2 h) a claim needs, stored under figures/extended with run.json; "
                "full: the papers' settings (GPU), writes runs/full and figures/full")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="companion", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the notebooks and their parameters").set_defaults(func=_list)
    regen = sub.add_parser("regenerate", help="execute notebooks with papermill")
    regen.add_argument("--profile", default="quick", choices=run.PROFILES, help=PROFILE_HELP)
    regen.add_argument("--only", nargs="+", metavar="NAME",
                       help="notebooks to run: full name, number ('01') or name without number")
    regen.add_argument("--jobs", type=int, default=1,
                       help="notebooks run in parallel processes, one torch thread each")
    regen.add_argument("--quiet", action="store_true", help="no per-cell progress bar")
    regen.add_argument("--smoke", action="store_true",
                       help="the profile's every dataset, model and evaluation at tiny sizes (a check "
                            "that the code runs; numbers meaningless), into runs/smoke and figures/smoke")
    regen.add_argument("--device", metavar="DEVICE",
                       help="the notebooks' device parameter: auto (default), cpu, cuda, cuda:N or mps")
    regen.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    regen.set_defaults(func=_regenerate)
    one = sub.add_parser("run", help="execute one notebook with papermill, with parameters",
                         description="Execute one notebook; names after -p are checked against "
                                     "its parameters (see `companion list`) before it starts.")
    one.add_argument("notebook", metavar="NOTEBOOK",
                     help="full name, number ('01') or name without number")
    one.add_argument("--profile", default="quick", choices=run.PROFILES, help=PROFILE_HELP)
    one.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="set a notebook parameter; VALUE is read as a Python literal "
                          "(3, 0.5, [1, 2], True, None, 'text') when it is one, else as text")
    one.add_argument("--output", metavar="PATH",
                     help="write the executed notebook here instead of notebooks/ (quick) "
                          "or runs/<profile>/ (extended, full)")
    one.add_argument("--quiet", action="store_true", help="no per-cell progress bar")
    one.add_argument("--smoke", action="store_true",
                     help="the profile at tiny sizes (code-path check), into runs/smoke and figures/smoke")
    one.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    one.set_defaults(func=_run)
    rep = sub.add_parser("report", help="build the static HTML reproduction report (site/)",
                         description="Every paper's claims, diagnostics and coverage (quick profile, and the full "
                                     "profile where stored), and every notebook rendered, as static HTML.")
    rep.add_argument("--output", metavar="DIR", help="where to write the site (default: site/)")
    rep.add_argument("--only", nargs="+", metavar="NAME", help="notebooks to include (default: all)")
    rep.set_defaults(func=_report)
    from . import gpu

    slot = sub.add_parser("gpu", help="a short GPU slot: full smokes, then full-profile pieces within a budget",
                          description=gpu.__doc__.split("\n\n")[0])
    gpu.add_arguments(slot)
    slot.set_defaults(func=gpu.command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
