"""`ras report` and `ras export` onto targets that cannot take the file: one line, exit 2, no
partial file, an existing file left as it was, and "wrote" only once the file is whole.

A full disk is a small tmpfs when mounting is allowed, and always (portable, no root) a child
process whose file-size limit (RLIMIT_FSIZE) makes the kernel refuse the writes, the PDF
writer's included.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ras.cli import main
from ras.store.store import Store
from tests.conftest import record_walk

OLD = "old contents\n"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A closed session of regular steps, cues and a marker, written straight to the store."""
    db = tmp_path_factory.mktemp("walk") / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P-F", diagnosis="stroke", affected_side="left")
        sid = record_walk(
            store,
            "P-F",
            [("baseline", 0.0), ("cued", 30.0)],
            (0.3, 59.7),
            cadence_spm=100.0,
            end_t_s=60.0,
            stride_length_m=1.0,
            markers=[(40.0, '=HYPERLINK("x")')],
        )
    return db, sid


def ras(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    """Exit status, stdout and stderr lines of ``ras ARGV`` run in this process."""
    try:
        status = main(list(argv))
    except SystemExit as exc:  # refused by the argument parser
        status = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return int(status or 0), out, err.strip().splitlines()


def refused(capsys, db: Path, sid: int, pdf: Path | str, *needles: str) -> None:
    status, out, err = ras(capsys, "report", str(sid), "--pdf", str(pdf), "--db", str(db))
    assert status == 2 and out == "", (status, out, err)
    assert len(err) == 1 and err[0].startswith("ras: error:"), err
    for n in needles:
        assert n in err[0], err[0]


def test_report_is_written_whole_and_said_so_after(walked, tmp_path, capsys, leftovers):
    db, sid = walked
    pdf = tmp_path / "r.pdf"
    pdf.write_text(OLD)
    status, out, _ = ras(capsys, "report", str(sid), "--pdf", str(pdf), "--db", str(db))
    assert status == 0 and out == f"wrote report of session {sid} to {pdf}\n"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600 and leftovers(tmp_path) == []


def test_report_onto_a_full_disk_leaves_the_old_file(
    walked, tmp_path, capsys, leftovers, small_tmpfs
):
    db, sid = walked
    with small_tmpfs(tmp_path / "full", size_kb=16) as full:
        if full is None:  # mounting refused: the file-size limit below is the full disk
            _report_over_the_limit(walked, tmp_path / "full", leftovers)
            return
        pdf = full / "r.pdf"
        pdf.write_text(OLD)
        refused(capsys, db, sid, pdf, f"cannot write the report to {pdf}", "disk full")
        assert pdf.read_text() == OLD and leftovers(full) == []


CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from ras.errors import UserInputError
    from ras.store.store import Store
    db, sid, out, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with Store(db) as store:  # read everything first: only the output meets the limit
        if kind == "report":
            from ras.report.session import build_session_report
            report = build_session_report(store, sid)
        else:
            from ras.export.api import export_tables
            from ras.results.session_data import load_session
            tables = export_tables(load_session(store, sid))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (12_000, resource.RLIM_INFINITY))
    try:
        if kind == "report":
            from gui.report.pdf import render_pdf
            report.save(out, renderer=render_pdf)
        else:
            from pathlib import Path
            from ras.export.csv_json import write_csv
            write_csv(Path(out), f"session-{sid}", tables)
    except UserInputError as err:
        print(err)
        sys.exit(2)
    print("wrote")
    """
)


def _child(db: Path, sid: int, out: Path, kind: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", CHILD, str(db), str(sid), str(out), kind]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def _report_over_the_limit(walked: tuple[Path, int], folder: Path, leftovers) -> None:
    db, sid = walked
    pdf = folder / "r.pdf"
    done = _child(db, sid, pdf, "report")
    assert done.returncode == 2, (done.stdout, done.stderr)
    line = done.stdout.strip()
    assert line.startswith(f"cannot write the report to {pdf}: ") and "\n" not in line, line
    assert "wrote" not in done.stdout
    assert not pdf.exists() and leftovers(folder) == []


def test_report_the_pdf_writer_could_not_finish_is_refused(walked, tmp_path, leftovers):
    """QPdfWriter reports no write errors: a truncated PDF must still be caught."""
    _report_over_the_limit(walked, tmp_path, leftovers)


def test_report_onto_dev_full_an_unwritable_folder_or_a_symlink(
    walked, tmp_path, capsys, leftovers
):
    db, sid = walked
    refused(capsys, db, sid, "/dev/full", "/dev/full", "not a regular file")
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    if os.geteuid() == 0:
        folder = Path("/proc")  # root included, no one may create a file here
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
    refused(capsys, db, sid, folder / "r.pdf", f"{folder / 'r.pdf'}")
    assert not (folder / "r.pdf").exists()
    victim = tmp_path / "victim.txt"
    victim.write_text(OLD)
    link = tmp_path / "r.pdf"
    link.symlink_to(victim)
    refused(capsys, db, sid, link, "refusing to write through a symlink", str(link))
    assert victim.read_text() == OLD and link.is_symlink() and leftovers(tmp_path) == []


def test_export_onto_a_full_disk_leaves_only_whole_files(
    walked, tmp_path, capsys, leftovers, small_tmpfs
):
    db, sid = walked
    ref = tmp_path / "ref"
    assert (
        ras(capsys, "export", str(sid), "--format", "csv", "--out", str(ref), "--db", str(db))[0]
        == 0
    )
    with small_tmpfs(tmp_path / "full", size_kb=16) as full:
        if full is None:  # mounting refused: a file-size limit in a child instead
            full = tmp_path / "full"
            done = _child(db, sid, full, "export")
            assert done.returncode == 2 and "File too large" in done.stdout, done.stdout
        else:
            status, out, err = ras(
                capsys, "export", str(sid), "--format", "csv", "--out", str(full), "--db", str(db)
            )
            assert status == 2 and out == "" and len(err) == 1, (status, out, err)
            assert "No space left on device" in err[0], err
        written = sorted(p.name for p in full.iterdir())
        assert leftovers(full) == [] and len(written) < len(list(ref.iterdir()))
        for name in written:
            assert (full / name).read_bytes() == (ref / name).read_bytes(), name


#: Run ``ras ARGV`` as if neither PySide6 nor pyqtgraph were installed: a finder first on
#: sys.meta_path refuses them as Python does a package that is not there.
WITHOUT_QT = textwrap.dedent(
    """
    import sys

    class NoQt:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoQt())
    from ras.cli import main
    status = main(sys.argv[1:])
    assert not [m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph"))]
    sys.exit(status)
    """
)


def _without_qt(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_QT, *argv], capture_output=True, text=True, timeout=120
    )


def test_report_without_pyside6_is_one_line(walked, tmp_path, leftovers):
    db, sid = walked
    pdf = tmp_path / "r.pdf"
    done = _without_qt("report", str(sid), "--pdf", str(pdf), "--db", str(db))
    assert done.returncode == 2 and done.stdout == "", (done.stdout, done.stderr)
    assert done.stderr.strip().splitlines() == [
        "ras: error: the PDF report needs PySide6: pip install 'ras[gui]' "
        "(or pip install PySide6-Essentials)"
    ]
    assert not pdf.exists() and leftovers(tmp_path) == []


def test_export_without_pyside6_writes_every_format(walked, tmp_path):
    db, sid = walked
    for fmt, name in (("csv", f"session-{sid}_session.csv"), ("json", f"session-{sid}.json")):
        out = tmp_path / fmt
        done = _without_qt("export", str(sid), "--format", fmt, "--out", str(out), "--db", str(db))
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert done.stdout.startswith(f"exported session {sid} as {fmt}: "), done.stdout
        assert (out / name).stat().st_size > 0
    csv_names = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert csv_names == sorted(
        f"session-{sid}_{t}.csv"
        for t in (
            *("session", "phases", "steps", "cues", "tempo_changes", "cue_states", "actions"),
            *("markers", "link_events", "cue_modes", "song_events", "parameters"),
        )
    )
    bids = tmp_path / "bids"
    done = _without_qt("export", str(sid), "--format", "bids", "--out", str(bids), "--db", str(db))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert (bids / "dataset_description.json").is_file()
    assert list(bids.glob("sub-*/ses-*/motion/*_events.tsv"))
