"""Where the steps are detected: chosen in set-up for a virtual patient, shown per sensor."""

from __future__ import annotations

from gui.sensor_panel import SensorPanel
from gui.setup_view import SetupPage
from ras.link.host_steps import StepSource
from ras.session.request import SensorPorts
from ras.session.snapshot import SensorView
from ras.store.store import Store


def test_set_up_offers_host_detection_for_a_virtual_patient_only(qtbot, db):
    with Store(db) as store:
        store.add_patient("P-1")
    page = SetupPage(db, simulate="healthy")
    qtbot.addWidget(page)
    assert page.sensor_steps.isEnabled() and page.request().sensors.sensor_steps == "device"
    page.sensor_steps.setCurrentIndex(page.sensor_steps.findData("host"))
    assert page.request().sensors.sensor_steps == "host"
    page.use_ports.setChecked(True)  # the radio buttons exclude each other
    assert not page.sensor_steps.isEnabled()
    assert isinstance(page.request().sensors, SensorPorts)  # real sensors say it themselves


def test_sensor_health_says_where_the_steps_are_detected(qtbot):
    panel = SensorPanel()
    qtbot.addWidget(panel)

    def view(name: str, steps: StepSource | None) -> SensorView:
        return SensorView(name, f"/dev/{name}", "connected", True, 90, 0, 10, True, 0.4, 0, steps)

    panel.set_sensors((view("left", StepSource.HOST), view("right", StepSource.SENSOR)))
    left, right = panel.rows[0][-1], panel.rows[1][-1]
    assert panel.HEADERS[-1] == "steps"
    assert left.text() == "on host" and "IMU stream" in left.toolTip()
    assert right.text() == "on sensor" and "on the sensor" in right.toolTip()
    panel.set_sensors((view("left", None),))
    assert left.text() == "—"
