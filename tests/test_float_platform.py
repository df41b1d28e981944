"""The float platform a notebook's outputs were made on, and the nbval mode it allows here."""

import subprocess
import sys
from pathlib import Path

import nbformat as nbf
import pytest
import torch

from companion import float_platform as fp

INTEL = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) Processor\n"
AMD = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC\n"
ARM = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n"


@pytest.mark.parametrize("cpuinfo, vendor", [(INTEL, "GenuineIntel"), (AMD, "AuthenticAMD"), (ARM, "0x41")])
def test_cpu_vendor_reads_cpuinfo(cpuinfo, vendor):
    assert fp.cpu_vendor(cpuinfo) == vendor


def test_float_platform_names_the_vendor_the_architecture_and_torch():
    here = fp.float_platform()
    assert here.startswith(fp.cpu_vendor() + " ")
    assert here.endswith(f", torch {torch.__version__.split('+')[0]}")


def _notebook(path, platform=None):
    nb = nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("1 + 1")])
    nbf.write(nb, path)
    if platform:
        fp.record(path, platform)
    return path


def test_record_round_trip_keeps_the_cells(tmp_path):
    path = _notebook(tmp_path / "a.ipynb")
    assert fp.recorded(path) is None
    fp.record(path)
    assert fp.recorded(path) == fp.float_platform()
    assert nbf.read(str(path), as_version=4).cells[0].source == "1 + 1"


def test_outputs_made_here_or_unrecorded_are_compared(tmp_path):
    here = "GenuineIntel x86_64, torch 2.14.1"
    books = [_notebook(tmp_path / "a.ipynb", here), _notebook(tmp_path / "b.ipynb")]
    assert fp.nbval_mode(books, here) == ("--nbval", "")


def test_outputs_made_on_another_vendor_are_run_but_not_compared(tmp_path):
    here, there = "GenuineIntel x86_64, torch 2.14.1", "AuthenticAMD x86_64, torch 2.14.1"
    books = [_notebook(tmp_path / "a.ipynb", here), _notebook(tmp_path / "b.ipynb", there)]
    flag, why = fp.nbval_mode(books, here)
    assert flag == "--nbval-lax"
    assert "b.ipynb: AuthenticAMD" in why and "a.ipynb" not in why and "make figures" in why


def test_command_prints_the_flag_for_make(tmp_path):
    book = _notebook(tmp_path / "a.ipynb", "Somebody Else s390x, torch 0.1")
    done = subprocess.run([sys.executable, "-m", "companion.float_platform", "nbval-mode", str(book)],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "--nbval-lax" and "Somebody Else" in done.stderr
    assert fp.main(["wrong"]) == 2


def test_every_committed_notebook_records_its_float_platform():
    books = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
    assert books and all(fp.recorded(b) for b in books), "run the notebook with `companion run`"


def test_the_makefile_chooses_the_nbval_mode():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "companion.float_platform nbval-mode notebooks/*.ipynb" in makefile and "$$mode" in makefile
