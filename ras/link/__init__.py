"""Host side of the sensor link: serial ports, frames to events, loss, reboots, reconnects."""

from ras.link.manager import LinkManager
from ras.link.ports import DeviceInfo, PortInfo, describe_devices, list_ports, open_port, probe
from ras.link.processor import FrameProcessor
from ras.link.sequence import DeviceTimeUnwrapper, SequenceTracker
from ras.link.serial_link import LinkStats, SensorLink

__all__ = [
    "DeviceInfo",
    "DeviceTimeUnwrapper",
    "FrameProcessor",
    "LinkManager",
    "LinkStats",
    "PortInfo",
    "SensorLink",
    "SequenceTracker",
    "describe_devices",
    "list_ports",
    "open_port",
    "probe",
]
