"""The GUI with a clinic server (a real PostgreSQL): the history of a patient trained on two
laptops is one history; an unreachable server shows this laptop's sessions and says so without
freezing the screen; a refusing server is one line; a session run in the GUI ends on the server,
and its summary (and session report) compares it with the patient's previous session on the
server, wherever that was recorded.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import psycopg
import pytest
from gui_helpers import click, set_up, show_history, type_into
from PySide6 import QtCore, QtWidgets

from gui.history_model import COLUMNS
from gui.history_view import HistoryPage
from gui.summary_record import LAPTOP_ONLY
from gui.summary_view import CHECKING, PHASES
from ras.clinic.config import server_label
from ras.clinic.records import sync
from ras.clinic.server import connect_server, ensure_schema
from ras.report.compare import compare_sessions
from ras.results.outcomes import session_outcomes
from ras.results.session_data import load_session
from ras.store.store import Store
from tests.clinic.laptops import (
    assert_on_server_as_on_laptop,
    copy_session,
    simulated_session,
    uid_of,
)
from tests.clinic.pg_server import free_port
from tests.conftest import add_patient
from tests.report.report_helpers import pdf_text

PATIENT = "P-TWO-ROOMS"


@pytest.fixture(scope="module")
def rooms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two laptops, each with one real simulated session of PATIENT (copied for each test)."""
    made = {}
    for seed, room in enumerate(("room-a", "room-b"), start=1):
        db = tmp_path_factory.mktemp(room) / "ras.sqlite3"
        add_patient(db, PATIENT, "--diagnosis", "parkinson", "--name", "Stays Local")
        simulated_session(db, PATIENT, seed=seed)
        made[room] = db
    return made


def laptops(tmp_path: Path, rooms: dict[str, Path]) -> tuple[Path, Path]:
    """This test's copies of the two laptop files."""
    copies = []
    for room, db in rooms.items():
        copy = tmp_path / f"{room}.sqlite3"
        copy.write_bytes(db.read_bytes())
        copies.append(copy)
    return copies[0], copies[1]


@pytest.fixture
def page(qtbot):
    from gui.app import make_app

    make_app()

    def make(db: Path) -> HistoryPage:
        p = HistoryPage(str(db))
        p.resize(1366, 700)
        qtbot.addWidget(p)  # closed after the test: its record and worker thread with it
        return p

    return make


def texts(p: HistoryPage) -> str:
    """Everything the page says above the table."""
    return "\n".join(w.text() for w in (p.source, p.notice, p.note))


def column(p: HistoryPage, title: str) -> list[str]:
    j = [c.title for c in COLUMNS].index(title)
    return [p.table.item(i, j).text() for i in range(p.table.rowCount())]


def save_report(qtbot, p: HistoryPage, pdf: Path, monkeypatch) -> None:
    """Click the progress report button, answer its file dialog with ``pdf``, wait for it."""
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), "PDF (*.pdf)")
    )
    p.report_btn.click()
    assert not p.report_btn.isEnabled()  # being built in the worker thread
    qtbot.waitUntil(p.report_btn.isEnabled, timeout=60000)


def test_two_laptops_one_history(qtbot, page, tmp_path, rooms, clinic_url, pg_server, monkeypatch):
    a, b = laptops(tmp_path, rooms)
    monkeypatch.setenv("RAS_SERVER", clinic_url)
    assert sync(a, clinic_url).pushed == 1  # room A pushed its session; room B has not yet
    h = page(b)
    show_history(qtbot, h, PATIENT)
    label = server_label(clinic_url)
    assert h.source.text() == f"Record: clinic server {label}"
    assert h.notice.text().startswith(f"clinic server {label}: pushed 1 session(s)")
    assert pg_server.password not in texts(h) and "ras_admin" not in texts(h)
    with psycopg.connect(clinic_url) as conn:
        assert_on_server_as_on_laptop(b, 1, conn)  # opening the history pushed room B's
        listed = conn.execute(
            "SELECT s.id, s.uid FROM sessions s JOIN patients p ON p.id = s.patient_id"
            " WHERE p.pseudo_id = %s ORDER BY s.started_utc, s.id",
            (PATIENT,),
        ).fetchall()
    # both rooms' sessions, each once, with the server's ids
    assert sorted(uid for _, uid in listed) == sorted([uid_of(a, 1), uid_of(b, 1)])
    assert [r.info.id for r in h.rows] == [sid for sid, _ in listed]
    assert column(h, "Session") == [f"#{sid}" for sid, _ in listed]
    assert all(r.outcomes is not None for r in h.rows)
    assert h.patient.isEnabled() and h.report_btn.isEnabled()

    # the progress report is read where the sessions were listed: both rooms
    save_report(qtbot, h, tmp_path / "progress.pdf", monkeypatch)
    assert h.note.text() == f"Progress report saved: {tmp_path / 'progress.pdf'}"
    text = pdf_text(tmp_path / "progress.pdf")
    assert f"{PATIENT} · 2 sessions" in text and "Stays Local" not in text

    # the server drops the page's connection: the report fails in one line, and is not made
    # from this laptop's one session instead
    with psycopg.connect(clinic_url, autocommit=True) as conn:
        dropped = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'ras' AND datname = current_database()"
        ).fetchall()
    assert dropped == [(True,)]
    save_report(qtbot, h, tmp_path / "after.pdf", monkeypatch)
    assert h.notice.text().startswith("The report could not be saved: clinic server")
    assert "unreachable" in h.notice.text() and "\n" not in h.notice.text()
    assert not (tmp_path / "after.pdf").exists()

    # back, then the history again: a new connection, the same sessions
    h.back_btn.click()
    show_history(qtbot, h, PATIENT)
    assert [r.info.id for r in h.rows] == [sid for sid, _ in listed]
    assert h.notice.isHidden()  # nothing left to push


def test_without_a_server_the_page_reads_this_laptop(qtbot, page, tmp_path, rooms):
    _a, b = laptops(tmp_path, rooms)
    h = page(b)
    show_history(qtbot, h, PATIENT)
    with Store(b) as store:
        path = store.path
    assert h.source.text() == f"Record: this laptop ({path})"
    assert h.notice.isHidden()
    assert column(h, "Session") == ["#1"]


def test_a_closed_port_shows_this_laptops_sessions(qtbot, page, tmp_path, rooms, monkeypatch):
    _a, b = laptops(tmp_path, rooms)
    monkeypatch.setenv("RAS_SERVER", f"postgresql://ras_admin:s3cret@127.0.0.1:{free_port()}/ras")
    h = page(b)
    show_history(qtbot, h, PATIENT)
    assert h.source.text().startswith("Record: this laptop (")
    notice = h.notice.text()
    assert "is unreachable" in notice and notice.endswith("showing this laptop's sessions only")
    assert "s3cret" not in texts(h)
    assert column(h, "Session") == ["#1"]  # this laptop's id
    assert h.report_btn.isEnabled()


def test_a_server_that_does_not_answer_never_freezes_the_page(qtbot, page, tmp_path, rooms):
    """The server accepts the connection and says nothing: the page says it is loading, the
    GUI thread's timers keep firing, and once the server hangs up the laptop's sessions show."""
    _a, b = laptops(tmp_path, rooms)
    silent = socket.create_server(("127.0.0.1", 0))
    silent.setblocking(False)
    port = silent.getsockname()[1]
    accepted: list[socket.socket] = []
    ticks = {"loading": 0}

    def tick() -> None:
        ticks["loading"] += h.loading
        with contextlib.suppress(BlockingIOError):
            accepted.append(silent.accept()[0])
        if accepted and ticks["loading"] >= 3:  # seen: let the worker go on
            for s in (*accepted, silent):
                s.close()
            timer.stop()

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAS_SERVER", f"postgresql://ras_admin@127.0.0.1:{port}/ras?sslmode=disable")
        h = page(b)
        timer = QtCore.QTimer(interval=0)
        timer.timeout.connect(tick)
        timer.start()
        try:
            show_history(qtbot, h, PATIENT)
        finally:
            timer.stop()
            for s in (*accepted, silent):
                s.close()
    assert accepted, "the page never asked the server"
    assert ticks["loading"] >= 3  # the event loop ran while the worker waited for the server
    assert "is unreachable" in h.notice.text()
    assert column(h, "Session") == ["#1"]


@pytest.mark.parametrize("refusal", ["credentials", "schema"])
def test_a_refusing_server_is_one_line_on_the_page(
    qtbot, page, tmp_path, rooms, pg_server, clinic_url, monkeypatch, refusal
):
    _a, b = laptops(tmp_path, rooms)
    if refusal == "credentials":
        url = clinic_url.replace(pg_server.password, "not-the-password")
        expected = "refused the credentials"
    else:
        conn = connect_server(clinic_url)
        ensure_schema(conn)
        conn.execute("UPDATE ras_schema SET version = 999")
        conn.close()
        url, expected = clinic_url, "has schema version 999, newer than this ras"
    monkeypatch.setenv("RAS_SERVER", url)
    h = page(b)
    show_history(qtbot, h, PATIENT)
    assert expected in h.notice.text() and "\n" not in h.notice.text()
    assert "Traceback" not in texts(h) and "not-the-password" not in texts(h)
    assert h.source.text() == "Record: none could be read"
    assert h.table.rowCount() == 0
    assert not h.patient.isEnabled() and not h.report_btn.isEnabled()


def test_a_session_run_in_the_gui_ends_on_the_server(qtbot, window, db, clinic_url, monkeypatch):
    monkeypatch.setenv("RAS_SERVER", clinic_url)
    w = window
    set_up(qtbot, w, patient="P-PUSHED", baseline=10, cued=20, probe=10)
    qtbot.waitUntil(lambda: w.current_page() is w.summary, timeout=60000)
    sid = w.controller.session_id
    assert w.summary.title.text().startswith(f"Session #{sid} ")  # this laptop's session
    qtbot.waitUntil(lambda: "pushed" in w.summary.clinic.text(), timeout=60000)
    assert w.summary.clinic.text().startswith(
        f"clinic server {server_label(clinic_url)}: pushed 1 session(s)"
    )
    assert w.summary.clinic.text().endswith(f"session {sid} is #1 on the server")
    with psycopg.connect(clinic_url) as conn:
        assert_on_server_as_on_laptop(Path(db), sid, conn)
    # the summary's history reads the server
    w.summary.history_btn.click()
    qtbot.waitUntil(lambda: not w.history.loading, timeout=60000)
    assert w.history.source.text() == f"Record: clinic server {server_label(clinic_url)}"
    assert w.history.table.rowCount() == 1


def test_a_laptop_opened_in_another_room_offers_the_patients_trained_elsewhere(
    qtbot, tmp_path, rooms, clinic_url, monkeypatch
):
    from gui.app import make_app
    from gui.setup_view import SetupPage

    make_app()
    a, _ = laptops(tmp_path, rooms)
    assert sync(a, clinic_url).pushed == 1
    fresh = tmp_path / "room-c.sqlite3"
    monkeypatch.setenv("RAS_SERVER", clinic_url)
    setup = SetupPage(str(fresh), simulate=None)
    qtbot.addWidget(setup)
    ids = lambda: [setup.patient.itemData(i) for i in range(setup.patient.count())]  # noqa: E731
    assert PATIENT not in ids()
    qtbot.waitUntil(lambda: PATIENT in ids(), timeout=60000)
    assert "1 patient(s) added here from the server" in setup.error.text()
    with Store(fresh) as store:
        assert store.get_patient(PATIENT).name is None  # names never travel
    # the server unreachable: said on the page, the laptop's list as it is
    monkeypatch.setenv("RAS_SERVER", f"postgresql://ras@127.0.0.1:{free_port()}/clinic")
    offline = SetupPage(str(fresh), simulate=None)
    qtbot.addWidget(offline)
    qtbot.waitUntil(lambda: "is unreachable" in offline.error.text(), timeout=60000)
    assert PATIENT in [offline.patient.itemData(i) for i in range(offline.patient.count())]


@pytest.fixture
def room_b(request, db, rooms):
    """The main window on a copy of room B's laptop file (copied before the window opens it)."""
    Path(db).write_bytes(rooms["room-b"].read_bytes())
    return request.getfixturevalue("window")


def session_in_gui(qtbot, w) -> int:
    """A short session of PATIENT (on the laptop already, same plan as the rooms' sessions)
    through the set-up page; its id once the summary shows."""
    s = w.setup
    s.reload_patients(select=PATIENT)
    click(qtbot, s.use_sim)
    s.preset.setCurrentText("parkinson")
    s.plan.setCurrentText("iso-ramp")
    for spin, value in ((s.baseline_s, 12), (s.cued_s, 24), (s.probe_s, 8)):
        type_into(qtbot, spin, value)
    s.audio.setCurrentText("none")
    click(qtbot, s.start_btn)
    assert w.current_page() is w.live, s.error.text()
    qtbot.waitUntil(lambda: w.current_page() is w.summary, timeout=60000)
    return w.controller.session_id


def server_id(conn, db: Path, session_id: int) -> int:
    found = conn.execute("SELECT id FROM sessions WHERE uid = %s", (uid_of(db, session_id),))
    return found.fetchone()[0]


def compared_with(page) -> set[str]:
    """The sessions the summary's cells compare with ("#N" of "... vs #N")."""
    return {
        line.rpartition(" vs ")[2]
        for label in page.changes.values()
        for line in label.text().splitlines()
        if not line.endswith(" vs baseline")
    }


def test_the_summary_compares_with_the_previous_session_on_the_server(
    qtbot, room_b, db, tmp_path, rooms, clinic_url, monkeypatch
):
    """Room B has an older session of the patient; room A a later one (pushed): the session
    run in room B is compared with room A's, on the page and in its session report."""
    w = room_b
    a = tmp_path / "room-a.sqlite3"
    a.write_bytes(rooms["room-a"].read_bytes())
    a_later = copy_session(a, 1, a, PATIENT)  # started now: after room B's session
    assert sync(a, clinic_url).pushed == 2
    with Store(a) as store:
        previous = load_session(store, a_later)
    with Store(db) as store:  # room A's session started after room B's (ids break no tie)
        assert store.get_session(1).started_utc < previous.info.started_utc
    # the push waits on the server's lock: the page shows this laptop's figures, no comparison
    lock = psycopg.connect(clinic_url)
    lock.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
    monkeypatch.setenv("RAS_SERVER", clinic_url)
    try:
        sid = session_in_gui(qtbot, w)
        page = w.summary
        assert page.clinic.text() == "Sending this session to the clinic server…"
        assert page.compare_note.text() == CHECKING and not page.compare_note.isHidden()
        assert compared_with(page) == set() and "vs the same phase" not in page.legend.text()
        assert page.figures.previous.info.id == 1  # room B's own older session, not shown
        assert page.cells[("probe", "cadence_spm")].text() != "—"
        assert not page.report_btn.isEnabled() and not page.export_btn.isEnabled()
    finally:
        lock.close()  # its transaction rolled back: the push goes on
    qtbot.waitUntil(lambda: "pushed" in page.clinic.text(), timeout=60000)
    with psycopg.connect(clinic_url) as conn:
        this, prev, first = (
            server_id(conn, d, i) for d, i in ((Path(db), sid), (a, a_later), (a, 1))
        )
    assert page.clinic.text().endswith(f"session {sid} is #{this} on the server")
    assert page.record.on_server and page.record.session_id == this
    assert page.figures.data.info.id == this
    assert page.figures.previous.info.id == prev
    assert page.figures.previous.info.started_utc == previous.info.started_utc
    assert compared_with(page) == {f"#{prev}"}
    assert f"the clinic server's session #{prev}" in page.legend.text()
    assert page.compare_note.isHidden()
    # the numbers are those against room A's session, read from room A's own file
    with Store(db) as store:
        out = session_outcomes(load_session(store, sid))
    vs = compare_sessions(
        out.phase("baseline"), session_outcomes(previous).phase("baseline"), "parkinson"
    )
    assert page.changes[("baseline", "cadence_spm")].text().splitlines()[-1] == (
        f"{vs['cadence_spm'].text} vs #{prev}"
    )

    # the session report: read from the server, its previous and first sessions the record's
    pdf = tmp_path / "session.pdf"
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), "PDF (*.pdf)")
    )
    page.report_btn.click()
    assert not page.report_btn.isEnabled()  # being read in the worker thread
    qtbot.waitUntil(page.report_btn.isEnabled, timeout=60000)
    assert page.status.text() == f"Report saved: {pdf}"
    text = " ".join(pdf_text(pdf).split())
    with Store(a) as store:
        dates = [store.get_session(i).started_utc for i in (a_later, 1)]
    utc = [d.replace("T", " ").rstrip("Z") + " UTC" for d in dates]
    assert f"session #{this} " in text
    assert f"previous #{prev}: {utc[0]}; first #{first}: {utc[1]}" in text
    # the export too: the server's id of the session
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", lambda *a, **k: str(out_dir))
    page.export_actions["csv"].trigger()
    qtbot.waitUntil(page.export_btn.isEnabled, timeout=60000)
    assert page.status.text().startswith("Exported ")
    assert (out_dir / f"session-{this}_steps.csv").is_file()


def test_with_the_server_unreachable_the_summary_says_it_compares_with_this_laptop(
    qtbot, room_b, monkeypatch
):
    w = room_b
    monkeypatch.setenv("RAS_SERVER", f"postgresql://ras@127.0.0.1:{free_port()}/clinic")
    sid = session_in_gui(qtbot, w)
    page = w.summary
    qtbot.waitUntil(lambda: "stays on this laptop" in page.clinic.text(), timeout=60000)
    assert page.compare_note.text() == LAPTOP_ONLY and not page.compare_note.isHidden()
    assert not page.record.on_server and page.record.session_id == sid
    assert page.figures.previous.info.id == 1  # this laptop's older session
    assert compared_with(page) == {"#1"}
    assert "session #1 (MCID" in page.legend.text()
    assert page.report_btn.isEnabled() and page.export_btn.isEnabled()
    assert all(page.cells[(ph, "cadence_spm")].text() != "—" for ph in PHASES)
