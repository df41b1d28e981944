"""Which machine's floats a committed notebook holds, and how strictly nbval can compare them.

Training is chaotic: a last-bit difference in one float kernel grows, over thousands of steps, into
a different model. The companion pins the CPU kernels to their AVX2 code paths
(`runner.PINNED_CPU_ENV`), which makes Intel machines with and without AVX-512 agree bit for bit,
but not an AMD machine with an Intel one (measured: notebook 01's quick profile on an AMD EPYC and
on an Intel Xeon, both pinned, gives the VAE an off-support share of 0.373 and 0.368, and notebook
03's single-seed MNIST verdicts differ). So every notebook that `companion run` executes records its
*float platform* — the CPU vendor, the architecture and the torch version — in its metadata, and
`make test` compares outputs cell by cell (`--nbval`) only where this machine's float platform is
the one the outputs were made on. Elsewhere it runs every cell and fails on any error, but leaves
the numbers alone (`--nbval-lax`), and says so.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

#: The notebook-metadata key under which the platform is kept.
METADATA_KEY = "companion"


def cpu_vendor(cpuinfo: str | None = None) -> str:
    """The CPU's vendor string (GenuineIntel, AuthenticAMD, ...), from /proc/cpuinfo where there is
    one, else what `platform.processor()` says."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = ""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("vendor_id", "CPU implementer"):
            return value.strip()
    return platform.processor() or "unknown CPU"


def float_platform() -> str:
    """What decides the floats of a pinned CPU run here, e.g. "AuthenticAMD x86_64, torch 2.14.1"."""
    import torch

    return f"{cpu_vendor()} {platform.machine()}, torch {torch.__version__.split('+')[0]}"


def metadata(value: str | None = None) -> dict:
    """The notebook metadata that records this machine's float platform (or `value`)."""
    return {METADATA_KEY: {"float_platform": value or float_platform()}}


def record(path: str | Path, value: str | None = None) -> None:
    """Write this machine's float platform (or `value`) into a notebook's metadata."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for key, entry in metadata(value).items():
        nb.metadata.setdefault(key, {}).update(entry)
    nbformat.write(nb, str(path))


def recorded(path: str | Path) -> str | None:
    """The float platform a notebook's outputs were made on, or None if it has no record."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return nb.metadata.get(METADATA_KEY, {}).get("float_platform")


def nbval_mode(notebooks, here: str | None = None) -> tuple[str, str]:
    """("--nbval", "") when every notebook's outputs were made on this float platform (or carry no
    record), else ("--nbval-lax", why) — the notebooks still run cell by cell and fail on errors."""
    here = here or float_platform()
    elsewhere = {Path(p).name: r for p in notebooks if (r := recorded(p)) and r != here}
    if not elsewhere:
        return "--nbval", ""
    made_on = "; ".join(f"{name}: {r}" for name, r in sorted(elsewhere.items()))
    return "--nbval-lax", (f"nbval: this machine is {here}, but the stored outputs were made on another float "
                           f"platform ({made_on}). Chaotic training gives other numbers there, so every cell runs "
                           "and must not fail, but outputs are not compared. Run `make figures` on this machine "
                           "to compare them.")


def main(argv: list[str] | None = None) -> int:
    """`python -m companion.float_platform nbval-mode NOTEBOOK...`: print the nbval flag to use,
    and on stderr why it is the lax one."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "nbval-mode":
        print("usage: python -m companion.float_platform nbval-mode NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    flag, why = nbval_mode(args[1:])
    if why:
        print(why, file=sys.stderr)
    print(flag)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
