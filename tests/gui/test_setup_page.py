"""The set-up page (issue 13 points 5, 7, 10): Start always in view on a laptop screen, the
wheel never changes a field it did not focus, patients added, edited and archived through the
form reach the store, and the test tone plays (or says why not) at the chosen level."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from ras.errors import RasError
from ras.store.store import Store
from tests.gui.gui_helpers import click, type_into
from tests.gui.test_wheel_guard import wheel

#: Screens of clinic laptops, less a 30 px panel and a window manager's title bar (30 px).
SCREENS = [(1366, 768 - 60), (1280, 800 - 60)]


@pytest.fixture
def main_window(qtbot, db):
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    with Store(db) as store:
        store.add_patient("P-017", diagnosis="stroke", affected_side="left")
    w = MainWindow(db, simulate="stroke", audio="none")
    qtbot.addWidget(w)
    return w


@pytest.mark.parametrize(("width_px", "height_px"), SCREENS)
def test_start_is_in_view_without_scrolling(qtbot, main_window, width_px, height_px) -> None:
    w = main_window
    w.resize(width_px, height_px)
    w.show()
    qtbot.waitExposed(w)
    assert w.size() == QtCore.QSize(width_px, height_px)  # the page does not force it larger
    s = w.setup
    page_area = w.stack.currentWidget()
    assert page_area.verticalScrollBar().maximum() == 0  # the page itself never scrolls
    assert page_area.horizontalScrollBar().maximum() == 0
    for button in (s.start_btn, s.history_btn):
        rect = QtCore.QRect(button.mapTo(w, QtCore.QPoint(0, 0)), button.size())
        assert button.isVisible()
        assert w.rect().contains(rect), (rect, w.rect())
    # the fields scroll above the bar: scrolled to the end, Start is where it was
    before = s.start_btn.mapTo(w, QtCore.QPoint(0, 0))
    s.scroll.verticalScrollBar().setValue(s.scroll.verticalScrollBar().maximum())
    assert s.start_btn.mapTo(w, QtCore.QPoint(0, 0)) == before


def test_the_wheel_over_unfocused_fields_changes_nothing(qtbot, main_window) -> None:
    w = main_window
    w.resize(*SCREENS[0])
    w.show()
    qtbot.waitExposed(w)
    s = w.setup
    focused = QtWidgets.QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()
    fields = (s.plan, s.target_pct, s.step_pct, s.baseline_s, s.preset, s.volume)
    fields += (s.patient, s.new_diagnosis, s.new_side, s.patients.height_m)
    before = [f.currentText() if isinstance(f, QtWidgets.QComboBox) else f.value() for f in fields]
    for f in fields:
        for steps in (-1, +1, -3):
            wheel(f, steps)
    after = [f.currentText() if isinstance(f, QtWidgets.QComboBox) else f.value() for f in fields]
    assert after == before
    assert (s.plan.currentText(), s.target_pct.value()) == ("iso-ramp", 10.0)


def test_add_edit_archive_through_the_form_reach_the_store(qtbot, main_window, db) -> None:
    s = main_window.setup
    f = s.patients
    qtbot.keyClicks(s.new_id, "P-031")
    s.new_diagnosis.setCurrentText("Parkinson's disease")
    qtbot.keyClicks(f.diagnosis_note, "H&Y 2")
    s.new_side.setCurrentText("right")
    f.sex.setCurrentText("male")
    type_into(qtbot, f.birth_year, 1948)
    type_into(qtbot, f.height_m, 1.78)
    type_into(qtbot, f.leg_length_m, 0.92)
    click(qtbot, s.add_patient_btn)
    assert s.error.text() == "patient P-031 added"
    assert s.patient.currentData() == "P-031"
    with Store(db) as store:
        p = store.get_patient("P-031")
    assert (p.diagnosis, p.diagnosis_note, p.affected_side, p.sex) == (
        "parkinson",
        "H&Y 2",
        "right",
        "male",
    )
    assert (p.birth_year, p.height_m, p.leg_length_m) == (1948, 1.78, 0.92)

    type_into(qtbot, f.height_m, 1.76)  # edit: the chosen patient's details as shown
    s.new_side.setCurrentText("both")
    click(qtbot, f.save_patient_btn)
    assert s.error.text() == "patient P-031 saved"
    with Store(db) as store:
        p = store.get_patient("P-031")
    assert (p.height_m, p.affected_side, p.leg_length_m) == (1.76, "both", 0.92)

    click(qtbot, f.archive_btn)
    assert s.error.text().startswith("patient P-031 archived")
    with Store(db) as store:
        assert store.get_patient("P-031").archived
        assert [p.pseudo_id for p in store.list_patients()] == ["P-017"]
    assert [s.patient.itemData(i) for i in range(s.patient.count())] == ["P-017"]
    f.show_archived.setChecked(True)
    assert s.patient.findData("P-031") >= 0
    s.patient.setCurrentIndex(s.patient.findData("P-031"))
    assert f.archive_btn.base_text == "Restore"
    with pytest.raises(RasError, match="archived; restore the patient first"):
        s.request()
    click(qtbot, f.archive_btn)
    with Store(db) as store:
        assert not store.get_patient("P-031").archived


def test_a_bad_detail_is_one_line_and_nothing_is_stored(qtbot, main_window, db) -> None:
    s = main_window.setup
    click(qtbot, s.add_patient_btn)  # no id
    assert "patient id" in s.error.text() and "\n" not in s.error.text()
    with Store(db) as store:
        assert [p.pseudo_id for p in store.list_patients(include_archived=True)] == ["P-017"]


def test_the_virtual_patient_walks_with_the_chosen_patients_side(main_window) -> None:
    s = main_window.setup
    s.reload_patients(select="P-017")
    s.use_sim.setChecked(True)
    s.preset.setCurrentText("stroke")
    request = s.request()
    assert request.sensors.overrides == (("affected_side", "left"),)


def play_tone(qtbot, setup, audio: str, level_dbfs: int) -> str:
    """Press "Test tone" with this output and level; the line shown once it has played."""
    setup.audio.setCurrentText(audio)
    setup.volume.setValue(level_dbfs)
    assert setup.volume_label.text().startswith(f"cue peak {level_dbfs} dBFS")
    click(qtbot, setup.tone_btn)
    qtbot.waitUntil(setup.tone_btn.isEnabled, timeout=30000)
    return setup.tone_status.text()


def test_the_test_tone_plays_at_the_chosen_level(qtbot, main_window, tmp_path) -> None:
    wav = tmp_path / "tone.wav"
    said = play_tone(qtbot, main_window.setup, f"wav:{wav}", -30)
    assert said == f"test tone: 4 cues at -30 dBFS peak written to {wav}"
    assert wav.stat().st_size > 44  # more than a WAV header: the cues themselves


def test_the_test_tone_without_an_output_says_so(qtbot, main_window) -> None:
    said = play_tone(qtbot, main_window.setup, "none", -30)
    assert said == "no sound output chosen (none): the test tone has nowhere to play"
