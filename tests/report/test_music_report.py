"""Music in the session report (issue 14): 'What happened' lists each mode switch and song
start/stop (stretches counted on the stop line), a Music section says the time on music vs the
metronome and the songs used, the summary says it in a sentence, the tempo figure marks music
on its time axis; a session without music reads as before."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ras.cli import main
from ras.events import CueMode, CueModeEvent
from ras.report.progress import patient_course
from ras.report.session import (
    MUSIC_CLICK_COLOR,
    MUSIC_COLOR,
    cadence_figure,
    record_entries,
    summary_paragraph,
)
from ras.results.outcomes import session_outcomes
from ras.results.session_data import load_session
from ras.store.store import Store
from tests.conftest import record_music, record_walk
from tests.report.report_helpers import pdf_pages, pdf_text, requires_poppler

pytestmark = requires_poppler

PHASES = [("baseline", 0.0), ("cued", 30.0), ("probe", 90.0)]


def _walk_of(store: Store, patient: str) -> int:
    return record_walk(
        store, patient, PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0, stride_length_m=1.2
    )


def _walk(store: Store) -> int:
    return _walk_of(store, "P-MU")


@pytest.fixture(scope="module")
def music_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """A session cued with two songs (tests/conftest.record_music) and one with the metronome
    alone (its mode recorded as such); returns (database, music session, metronome session)."""
    db = tmp_path_factory.mktemp("music_report") / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P-MU", diagnosis="parkinson")
        music = _walk(store)
        record_music(store, music, 30.0)
        metronome = _walk(store)
        store.record(metronome, [CueModeEvent(30.0, CueMode.METRONOME, "therapist", "set-up")])
    return db, music, metronome


def _pdf(db: Path, sid: int, out: Path) -> tuple[Path, str]:
    assert main(["report", str(sid), "--pdf", str(out), "--db", str(db)]) == 0
    keep = os.environ.get("RAS_KEEP_REPORTS")  # to look at the pages by eye
    if keep:
        shutil.copy(out, Path(keep) / out.name)
    return out, re.sub(r"[ \t]+", " ", pdf_text(out))


@pytest.fixture(scope="module")
def music_pdf(music_db, tmp_path_factory) -> tuple[Path, str]:
    db, sid, _ = music_db
    return _pdf(db, sid, tmp_path_factory.mktemp("pdf") / "music.pdf")


def _table_row(text: str, *needles: str) -> str:
    """The first line holding every needle with the lines above and below it: a table row
    whose detail wraps has its time on the middle line."""
    lines = text.splitlines()
    k = next((i for i, ln in enumerate(lines) if all(n in ln for n in needles)), None)
    assert k is not None, needles
    return " ".join(lines[max(k - 1, 0) : k + 2])


def test_what_happened_lists_switches_and_songs_with_their_times(music_pdf):
    _, text = music_pdf
    happened = text.split("What happened")[1]
    for line, detail in (
        ("00:30 cue: music therapist", "set-up"),
        ("00:30 song starts: Walking Tune therapist", "native 105.0 bpm; -4.8 % to 100.0 bpm"),
        ("00:50 song stops: Walking Tune system", "2 stretch changes (-1.9 to +2.9 %); song ended"),
        ("00:50 song starts: Second Song system", "native 100.0 bpm; +8.0 % to 108.0 bpm"),
        ("01:00 cue: music + click therapist", "—"),
        ("01:10 cue: metronome therapist", "—"),
        ("01:10 song stops: Second Song therapist", "metronome chosen"),
    ):
        assert detail in _table_row(happened, line), line
    assert "tempo change" not in happened  # no line per stretch


def test_music_section_gives_time_on_music_and_the_songs(music_pdf):
    _, text = music_pdf
    words = " ".join(text.split())
    assert (
        "Of 1.0 min with the cue sounding: music 0.5 min, music + click 0.2 min, metronome "
        "0.3 min (67 % on music). 2 mode switches, 1 song change, 2 stretch changes"
    ) in words
    assert "Walking Tune A. Band 0.3 min 105.0 -4.8 to +2.9 % 1" in text
    assert "Second Song — 0.3 min 100.0 +8.0 % 1" in text


def test_summary_says_music_was_used_in_a_sentence(music_db):
    db, sid, _ = music_db
    with Store(db) as store:
        data = load_session(store, sid)
    summary = summary_paragraph(data, session_outcomes(data))
    assert (
        "Music cued 0.7 min of the 1.0 min with the cue sounding (2 songs: Walking Tune and "
        "Second Song); the metronome 0.3 min."
    ) in summary


def test_the_tempo_figure_marks_music_on_its_time_axis(music_db):
    db, sid, _ = music_db
    with Store(db) as store:
        data = load_session(store, sid)
    figure = cadence_figure(data, session_outcomes(data))
    bands = [b for b in figure.bands if b.color == MUSIC_COLOR]
    assert [(b.y0, b.y1, b.label, b.axis) for b in bands] == [
        (30.0, 50.0, "Walking Tune", "x-axis"),
        (50.0, 60.0, "Second Song", "x-axis"),
    ]
    (click,) = [b for b in figure.bands if b.color == MUSIC_CLICK_COLOR]
    assert (click.y0, click.y1, click.label) == (60.0, 70.0, "")  # the song's label stands


def test_a_session_without_music_reads_as_before(music_db, tmp_path):
    db, _, sid = music_db
    with Store(db) as store:
        data = load_session(store, sid)
        plain = _walk(store)
        before = load_session(store, plain)
    out = session_outcomes(data)
    assert summary_paragraph(data, out) == summary_paragraph(before, session_outcomes(before))
    assert "music" not in summary_paragraph(data, out).lower()
    colors = {b.color for b in cadence_figure(data, out).bands}
    assert not colors & {MUSIC_COLOR, MUSIC_CLICK_COLOR}
    assert [e.what for e in record_entries(data) if e.kind == "music"] == []
    _, text = _pdf(db, sid, tmp_path / "metronome.pdf")
    assert "Music" not in text and "Teal" not in text and "song" not in text.lower()


def test_music_report_pages_render(music_pdf, tmp_path):
    pdf, _ = music_pdf
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) >= 3
    assert all(p.stat().st_size > 5000 for p in pages)


def test_progress_dose_table_gains_minutes_on_music_when_a_session_used_it(music_db, tmp_path):
    db, music, metronome = music_db
    with Store(db) as store:
        course = patient_course(store, "P-MU")
    doses = {s.info.id: s.dose for s in course}
    assert (doses[music].music_s, doses[music].n_songs) == (pytest.approx(40.0), 2)
    assert (doses[metronome].music_s, doses[metronome].n_songs) == (0.0, 0)
    pdf = tmp_path / "progress.pdf"
    assert main(["report", "--patient", "P-MU", "--pdf", str(pdf), "--db", str(db)]) == 0
    text = re.sub(r"[ \t]+", " ", pdf_text(pdf))
    assert "On music" in text
    assert re.search(rf"#{music} \S+ \S+ fixed complete 1\.0 0\.7 \d+", text)
    assert re.search(rf"#{metronome} \S+ \S+ fixed complete 1\.0 0\.0 \d+", text)


def test_progress_dose_table_has_no_music_column_without_music(tmp_path):
    db = tmp_path / "plain.sqlite3"
    with Store(db) as store:
        store.add_patient("P-NO", diagnosis="stroke")
        record_walk(store, "P-NO", PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0)
    pdf = tmp_path / "progress.pdf"
    assert main(["report", "--patient", "P-NO", "--pdf", str(pdf), "--db", str(db)]) == 0
    text = pdf_text(pdf)
    assert "Minutes cued" in text and "music" not in text.lower()


def test_summary_page_counts_minutes_on_music_and_songs(music_db):
    from gui.summary_view import session_figures

    db, music, metronome = music_db
    assert session_figures(db, music).counts()["music"] == "0.7 min · 2 songs"
    assert session_figures(db, metronome).counts()["music"] == "none"


def test_a_fall_back_to_the_metronome_is_in_the_record(tmp_path):
    """Music chosen, the song missing at once: both switches are lines (the system's says why),
    and with no time on music the summary says nothing of music."""
    with Store(tmp_path / "f.sqlite3") as store:
        store.add_patient("P-FB", diagnosis="stroke")
        sid = _walk_of(store, "P-FB")
        store.record(
            sid,
            [
                CueModeEvent(30.0, CueMode.MUSIC, "therapist", "set-up"),
                CueModeEvent(30.0, CueMode.METRONOME, "system", "song file missing"),
            ],
        )
        data = load_session(store, sid)
    lines = [(e.what, e.who, e.detail) for e in record_entries(data) if e.kind == "music"]
    assert lines == [
        ("cue: music", "therapist", "set-up"),
        ("cue: metronome", "system", "song file missing"),
    ]
    assert "music" not in summary_paragraph(data, session_outcomes(data)).lower()
