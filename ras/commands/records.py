"""`ras sessions` and `ras patients`: what the database holds."""

from __future__ import annotations

import argparse

from ras.store.store import Store


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
        print(f"{s.id:5d}  {s.started_utc}  patient {s.patient_id:<16} {s.status}")
    return 0


def run_patients(args: argparse.Namespace) -> int:
    """List patients, or add one with --add."""
    with Store(args.db) as store:
        if args.add:
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
        print(f"{p.pseudo_id:<16} {p.diagnosis or 'no diagnosis'}{side}")
    return 0
