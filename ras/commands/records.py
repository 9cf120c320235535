"""`ras sessions` and `ras patients`: what the database holds."""

from __future__ import annotations

import argparse

from ras.diagnosis import Diagnosis
from ras.errors import UserInputError
from ras.store.patients import EDITABLE
from ras.store.store import PatientInfo, Store
from ras.text import terminal_safe


def run_sessions(args: argparse.Namespace) -> int:
    """One line per session, oldest first."""
    from ras.clinic.records import read_records
    from ras.commands.options import say_on_stderr

    with read_records(args.db, tell=say_on_stderr) as store:
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
    """List patients (archived ones with --all), or add, edit, archive or unarchive one."""
    details = {o: getattr(args, o) for o in EDITABLE if getattr(args, o) is not None}
    given = [f"--{o.replace('_', '-')}" for o in details]
    if args.add is None and args.edit is None and given:
        raise UserInputError(
            f"{' and '.join(given)} {'go' if len(given) > 1 else 'goes'} with --add ID or"
            " --edit ID (a patient's details are given when the patient is added or edited)"
        )
    if args.all and (args.add or args.edit or args.archive or args.unarchive):
        raise UserInputError("--all goes with listing the patients (no --add/--edit/--archive)")
    with Store(args.db) as store:
        if args.add is not None:
            store.add_patient(args.add, **details)
            print(f"added patient {args.add}")
            return 0
        if args.edit is not None:
            if not details:
                raise UserInputError(
                    "--edit ID needs the details to change, e.g. --height-m 1.72 (see"
                    " `ras patients --help`)"
                )
            store.edit_patient(args.edit, **details)
            print(f"changed {', '.join(given)} of patient {args.edit}")
            return 0
        if args.archive is not None or args.unarchive is not None:
            archived = args.archive is not None
            pseudo_id = args.archive if archived else args.unarchive
            store.archive_patient(pseudo_id, archived=archived)
            print(
                f"archived patient {pseudo_id} (hidden from the lists; its sessions are kept;"
                " `ras patients --all` lists it)"
                if archived
                else f"patient {pseudo_id} is listed again"
            )
            return 0
        patients = store.list_patients(include_archived=args.all)
    if not patients:
        print("no patients yet (add one with: ras patients --add ID)")
    for p in patients:
        print(terminal_safe(patient_line(p)))
    return 0


def patient_line(p: PatientInfo) -> str:
    """One patient as `ras patients` lists it: id, diagnosis (note), side, body details."""
    diagnosis = Diagnosis(p.diagnosis).label if p.diagnosis else "no diagnosis"
    parts = [
        f"{p.pseudo_id:<16} {diagnosis}" + (f" ({p.diagnosis_note})" if p.diagnosis_note else "")
    ]
    if p.affected_side:
        parts.append(f"affected side {p.affected_side}")
    if p.birth_year is not None:
        parts.append(f"born {p.birth_year}")
    if p.sex:
        parts.append(p.sex)
    if p.height_m is not None:
        parts.append(f"height {p.height_m:.2f} m")
    if p.leg_length_m is not None:
        parts.append(f"leg length {p.leg_length_m:.2f} m")
    if p.archived:
        parts.append("archived")
    return ", ".join(parts)
