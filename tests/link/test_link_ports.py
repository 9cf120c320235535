"""Opening, listing and probing ports."""

import pytest

from ras.errors import UserInputError
from ras.link.ports import DeviceInfo, describe_devices, list_ports, open_port, probe
from ras.protocol import Side
from ras.session_clock import SessionClock


def test_probe_returns_the_hello_of_a_sensor(make_sensor):
    sensor = make_sensor(SessionClock(), sensor_id=42, side=Side.RIGHT)
    hello = probe(sensor.path, timeout_s=5.0)
    assert hello is not None and hello.sensor_id == 42 and hello.side is Side.RIGHT


def test_probe_returns_none_for_a_silent_port(make_sensor):
    silent = make_sensor(SessionClock(), answer=False)
    assert probe(silent.path, timeout_s=0.2) is None


def test_opening_a_missing_port_names_the_port_and_the_reason():
    with pytest.raises(UserInputError) as err:
        open_port("/dev/ttyUSB9")
    assert str(err.value) == "serial port /dev/ttyUSB9 does not exist (see `ras devices`)"
    with pytest.raises(UserInputError, match="/dev/ttyUSB9 does not exist"):
        probe("/dev/ttyUSB9")


def test_a_file_that_is_not_a_serial_port_is_a_user_error(tmp_path):
    path = tmp_path / "not-a-port"
    path.write_text("")
    with pytest.raises(UserInputError, match=r"^serial port .* could not be opened"):
        open_port(str(path))


def test_describe_devices_reports_sensors_and_non_sensors(make_sensor):
    clock = SessionClock()
    sensor = make_sensor(clock, sensor_id=9)
    silent = make_sensor(clock, answer=False)
    assert all(p.device for p in list_ports())
    devices = describe_devices(
        [sensor.path, silent.path, "/dev/ras-missing"], timeout_s=0.3, include_listed=False
    )
    by_port = {d.port: d for d in devices}
    assert by_port[sensor.path].as_dict() == {
        "port": sensor.path,
        "description": "",
        "sensor_id": 9,
        "side": "left",
        "firmware": "1.2.3",
        "imu": "FAKE6",
        "sample_rate_hz": 100,
    }
    assert not by_port[silent.path].is_sensor and not by_port[silent.path].error
    assert "does not exist" in by_port["/dev/ras-missing"].error
    assert devices[0].port == sensor.path and isinstance(devices[0], DeviceInfo)
