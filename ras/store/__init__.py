"""Crash-proof session storage on SQLite: patients, sessions, every event, raw IMU."""

from ras.events import CueEvent, MarkerEvent, PhaseEvent, TempoChangeEvent
from ras.store.paths import DB_ENV_VAR, data_dir, resolve_db_path
from ras.store.recorder import Recorder, RecorderStats
from ras.store.schema import SCHEMA_VERSION
from ras.store.store import PatientInfo, SessionInfo, Store

__all__ = [
    "DB_ENV_VAR",
    "SCHEMA_VERSION",
    "CueEvent",
    "MarkerEvent",
    "PatientInfo",
    "PhaseEvent",
    "Recorder",
    "RecorderStats",
    "SessionInfo",
    "Store",
    "TempoChangeEvent",
    "data_dir",
    "resolve_db_path",
]
