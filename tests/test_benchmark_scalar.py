"""benchmarks/scalar.py, part (d): the student edition's operators record what the short
path records and are put back afterwards, and a short run reports a ratio for each pair
(no timing is asserted, only the work and the report's shape)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ppn.tape import Var

_PATH = Path(__file__).parents[1] / "benchmarks" / "scalar.py"
sys.path.insert(0, str(_PATH.parent))  # its sibling harness.py, as when run as a script
_SPEC = importlib.util.spec_from_file_location("scalar_benchmark", _PATH)
scalar = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(scalar)


def test_student_operators_record_the_same_tape_and_are_restored():
    short_add, short_mul = Var.__add__, Var.__mul__
    values = [0.5, -1.5, 2.0, 3.25]
    tape, total = scalar.record_sum_of_products(values)
    with scalar.student_operators():
        assert Var.__add__ is not short_add and Var.__mul__ is not short_mul
        general, general_total = scalar.record_sum_of_products(values)
    assert (Var.__add__, Var.__mul__) == (short_add, short_mul)
    assert (tape.parents, tape.partials, tape.ops) == (
        general.parents,
        general.partials,
        general.ops,
    )
    assert total.value == general_total.value == 0.5 * -1.5 + -1.5 * 2.0 + 2.0 * 3.25


def test_fast_paths_checks_the_work_and_reports_ratios(monkeypatch):
    monkeypatch.setattr(scalar, "POINTS", 3)
    xs, ys, weights = scalar.problem()
    d = scalar.fast_paths(rounds=1, quick=True, xs=xs[:3], ys=ys[:3], weights=weights)
    works = [part["work"] for part in d["workloads"].values()]
    assert [w["nodes"] for w in works][0] == 6
    assert works[2]["nodes"] == 3 * 20_000 - 3
    assert all(w["same_nodes"] and w["same_adjoints"] for w in works)
    for part in d["workloads"].values():
        ratios = [t for t in part["times"].values() if "ratio" in t]
        assert len(ratios) == 2 and all(t["ratio"] > 0 for t in ratios)
    report = "\n".join(scalar.fast_paths_report(d))
    assert report.count("`Tape._backward_unrolled`") == 3 and "fast ÷ plain" in report
