"""`ras sessions` and `ras patients`: what the database holds."""

from __future__ import annotations

import argparse

from ras.diagnosis import Diagnosis
from ras.errors import UserInputError
from ras.store.store import Store
from ras.text import terminal_safe

#: Options of `ras patients` that only mean something with --add.
_ADD_ONLY = ("name", "diagnosis", "affected_side")


def run_sessions(args: argparse.Namespace) -> int:
    """One line per session, oldest first."""
    with Store(args.db) as store:
        store.mark_interrupted()
        sessions = store.list_sessions(args.patient)
        if args.patient is not None:
            store.get_patient(args.patient)  # unknown patient: a clear error
    if not sessions:
        print("no sessions yet (start one with: ras run --simulate healthy --audio none)")
    for s in sessions:
        line = f"{s.id:5d}  {s.started_utc}  patient {s.patient_id:<16} {s.status:<10}"
        if s.end_reason:  # why it is not complete (incomplete, degraded)
            line += f"  {s.end_reason}"
        print(terminal_safe(line))
    return 0


def run_patients(args: argparse.Namespace) -> int:
    """List patients, or add one with --add."""
    given = [f"--{o.replace('_', '-')}" for o in _ADD_ONLY if getattr(args, o) is not None]
    if args.add is None and given:
        raise UserInputError(
            f"{' and '.join(given)} {'go' if len(given) > 1 else 'goes'} with --add ID"
            " (a patient's details are given when the patient is added)"
        )
    with Store(args.db) as store:
        if args.add is not None:
            store.add_patient(
                args.add,
                name=args.name,
                diagnosis=args.diagnosis,
                affected_side=args.affected_side,
            )
            print(f"added patient {args.add}")
            return 0
        patients = store.list_patients()
    if not patients:
        print("no patients yet (add one with: ras patients --add ID)")
    for p in patients:
        side = f", affected side {p.affected_side}" if p.affected_side else ""
        diagnosis = Diagnosis(p.diagnosis).label if p.diagnosis else "no diagnosis"
        note = f" ({p.diagnosis_note})" if p.diagnosis_note else ""
        print(terminal_safe(f"{p.pseudo_id:<16} {diagnosis}{note}{side}"))
    return 0
