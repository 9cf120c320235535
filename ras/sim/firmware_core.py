"""The foot-sensor firmware's C core (firmware/core/) in Python, through ctypes.

The core is built as a shared library (``make -C firmware libcore`` ->
``firmware/build/libras_core.so``); :func:`load_core` finds it, building it on first use when
the source tree and a C compiler are there. :class:`FirmwareDetector` runs the firmware's causal
gait-event detector (docs/gait-events.md, the C port of analysis/causal_events.py) sample by
sample, so a simulation exercises the firmware's own logic; :class:`StrideCounter` (defined in
:mod:`ras.link.strides`, which the host's own step detection shares) adds the per-stride
bookkeeping of ``firmware/core/ras_sensor.c`` (stride index, stride and stance time).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ras.errors import UserInputError
from ras.link.strides import MAX_STRIDE_US, StrideCounter, StrideFigures  # noqa: F401 (moved)
from ras.protocol.messages import StepKind

__all__ = [
    "SETTING_NAMES",
    "FirmwareCoreError",
    "FirmwareDetector",
    "FirmwareEvent",
    "StrideCounter",
    "default_library_path",
    "load_core",
]

_U32 = 0xFFFFFFFF
_REPO = Path(__file__).resolve().parents[2]
_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


class FirmwareCoreError(RuntimeError):
    """The C core's shared library is missing and cannot be built here."""


def default_library_path() -> Path:
    """``$RAS_FIRMWARE_LIB`` if set, else ``firmware/build/libras_core.so`` of this checkout."""
    env = os.environ.get("RAS_FIRMWARE_LIB")
    return Path(env) if env else _REPO / "firmware" / "build" / "libras_core.so"


class _Config(ctypes.Structure):
    """``ras_det_config_t``: the names and units of ``analysis.gait_events.EventSettings``."""

    _fields_ = (
        ("sample_rate_hz", ctypes.c_double),
        ("arm_dps", ctypes.c_double),
        ("landing_dps", ctypes.c_double),
        ("ms_window_s", ctypes.c_double),
        ("min_swing_s", ctypes.c_double),
        ("max_swing_s", ctypes.c_double),
        ("min_lockout_s", ctypes.c_double),
        ("max_stride_s", ctypes.c_double),
        ("impact_before_s", ctypes.c_double),
        ("impact_after_s", ctypes.c_double),
        ("lockout_stride_pct", ctypes.c_int32),
        ("ic_landmark", ctypes.c_uint8),
        ("to_landmark", ctypes.c_uint8),
        ("gyr_range_dps", ctypes.c_float),
        ("acc_range_mps2", ctypes.c_float),
    )


class _Counts(ctypes.Structure):
    """``ras_det_counts_t``: the settings in samples at one rate."""

    _fields_ = tuple(
        (name, ctypes.c_int32)
        for name in (
            "w",
            "min_swing_n",
            "max_swing_n",
            "min_lockout_n",
            "max_stride_n",
            "impact_before_n",
            "impact_after_n",
            "ring_j",
        )
    )


class _Event(ctypes.Structure):
    _fields_ = (
        ("kind", ctypes.c_uint8),
        ("t_us", ctypes.c_uint32),
        ("index", ctypes.c_uint32),
        ("frac", ctypes.c_float),
        ("detected_index", ctypes.c_uint32),
    )


class _Stats(ctypes.Structure):
    _fields_ = tuple(
        (name, ctypes.c_uint32)
        for name in (
            "samples",
            "non_finite",
            "saturated",
            "stuck",
            "gaps",
            "time_jumps",
            "dropped",
            "rate_changes",
            "resets",
        )
    )


#: Landmark options as ``EventSettings`` spells them, and their C enum values.
_LANDMARKS = {
    "ic_landmark": {"impact": 0, "gyro_zero": 1},
    "to_landmark": {"push_off": 0, "gyro_zero": 1},
}
#: Settings a :class:`FirmwareDetector` takes (``EventSettings`` names, seconds, deg/s, %).
SETTING_NAMES: tuple[str, ...] = tuple(
    name
    for name, _ in _Config._fields_
    if name not in ("sample_rate_hz", "gyr_range_dps", "acc_range_mps2")
)
_MAX_EVENTS = 2  # RAS_DET_MAX_EVENTS


def _build(path: Path) -> None:
    firmware = _REPO / "firmware"
    if path != default_library_path() or not (firmware / "Makefile").is_file():
        raise FirmwareCoreError(f"firmware core library not found: {path}")
    try:
        subprocess.run(
            ["make", "-C", str(firmware), "libcore"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        raise FirmwareCoreError(
            f"could not build {path} with `make -C firmware libcore` (needs make and a C "
            f"compiler): {detail}"
        ) from None


def load_core(path: str | os.PathLike[str] | None = None, *, build: bool = True) -> ctypes.CDLL:
    """The core's shared library (loaded once), built first if missing and ``build``."""
    global _lib
    with _lock:
        if _lib is not None and path is None:
            return _lib
        lib_path = Path(path) if path is not None else default_library_path()
        if not lib_path.is_file():
            if not build:
                raise FirmwareCoreError(f"firmware core library not found: {lib_path}")
            _build(lib_path)
        lib = ctypes.CDLL(str(lib_path))
        lib.ras_det_state_bytes.restype = ctypes.c_uint
        lib.ras_det_default_config.argtypes = (ctypes.POINTER(_Config), ctypes.c_double)
        lib.ras_det_check_config.argtypes = (ctypes.POINTER(_Config),)
        lib.ras_det_check_config.restype = ctypes.c_char_p
        lib.ras_det_counts.argtypes = (
            ctypes.POINTER(_Config),
            ctypes.c_double,
            ctypes.POINTER(_Counts),
        )
        lib.ras_det_init.argtypes = (ctypes.c_void_p, ctypes.POINTER(_Config))
        lib.ras_det_init.restype = ctypes.c_int
        lib.ras_det_update.argtypes = (
            ctypes.c_void_p,
            ctypes.c_uint32,
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(_Event),
        )
        lib.ras_det_update.restype = ctypes.c_int
        lib.ras_det_stats.argtypes = (ctypes.c_void_p,)
        lib.ras_det_stats.restype = ctypes.POINTER(_Stats)
        lib.ras_crc16.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
        lib.ras_crc16.restype = ctypes.c_uint16
        if path is None:
            _lib = lib
        return lib


@dataclass(frozen=True, slots=True)
class FirmwareEvent:
    """One event of the C detector.

    Attributes
    ----------
    kind : StepKind
        IC, TO, MSW or MS.
    t_us : int
        u32 device time of the event, us.
    idx : float
        Fractional sample index of the event since the detector started.
    detected_idx : int
        Sample index at which it was emitted.
    """

    kind: StepKind
    t_us: int
    idx: float
    detected_idx: int


class FirmwareDetector:
    """The firmware's causal gait-event detector, one foot, one sample at a time.

    Parameters
    ----------
    sampling_rate_hz : float
        Nominal IMU rate, 50–1000 Hz.
    gyr_range_dps, acc_range_mps2 : float
        Full scales (only count saturated samples); 0 if unknown.
    library : str or path, optional
        Shared library to use instead of :func:`default_library_path`.
    **settings
        Event-model settings by their ``analysis.gait_events.EventSettings`` names (seconds,
        deg/s, %; ``ic_landmark`` ``"impact"`` / ``"gyro_zero"``, ``to_landmark``
        ``"push_off"`` / ``"gyro_zero"``); the firmware's defaults are the model's.

    Raises
    ------
    UserInputError
        An unknown setting, or a value the core does not allow (its one-line message).
    """

    def __init__(
        self,
        sampling_rate_hz: float,
        *,
        gyr_range_dps: float = 0.0,
        acc_range_mps2: float = 0.0,
        library: str | os.PathLike[str] | None = None,
        **settings: object,
    ) -> None:
        self._lib = load_core(library)
        self.sampling_rate_hz = float(sampling_rate_hz)
        cfg = _Config()
        self._lib.ras_det_default_config(ctypes.byref(cfg), self.sampling_rate_hz)
        for name, value in settings.items():
            _set_setting(cfg, name, value)
        cfg.gyr_range_dps = float(gyr_range_dps)
        cfg.acc_range_mps2 = float(acc_range_mps2)
        problem = self._lib.ras_det_check_config(ctypes.byref(cfg))
        if problem is not None:
            raise UserInputError(f"firmware detector: {problem.decode()}")
        self._config = cfg
        # the state is C memory owned by this object (the core itself never allocates)
        self._state = ctypes.create_string_buffer(self._lib.ras_det_state_bytes())
        self._lib.ras_det_init(self._state, ctypes.byref(cfg))
        self._acc = (ctypes.c_float * 3)()
        self._gyr = (ctypes.c_float * 3)()
        self._events = (_Event * _MAX_EVENTS)()

    def counts(self) -> dict[str, int]:
        """The settings in samples at this rate (``ras_det_counts``; EventSettings.counts)."""
        out = _Counts()
        self._lib.ras_det_counts(ctypes.byref(self._config), self.sampling_rate_hz, out)
        return {name: int(getattr(out, name)) for name, _ in _Counts._fields_}

    def update(self, t_us: int, acc_mps2, gyr_dps) -> list[FirmwareEvent]:
        """Feed one sample (acc m/s², gyr deg/s, x, y, z in the foot frame; float32 in the
        core) taken at u32 device time ``t_us``; the events emitted at it."""
        a, g = self._acc, self._gyr
        a[0], a[1], a[2] = (float(v) for v in acc_mps2)
        g[0], g[1], g[2] = (float(v) for v in gyr_dps)
        n = self._lib.ras_det_update(self._state, int(t_us) & _U32, a, g, self._events)
        return [
            FirmwareEvent(StepKind(e.kind), e.t_us, e.index + float(e.frac), e.detected_index)
            for e in self._events[:n]
        ]

    def run(
        self, acc_mps2: np.ndarray, gyr_dps: np.ndarray, t_us: np.ndarray | None = None
    ) -> list[FirmwareEvent]:
        """Feed (n, 3) arrays of acc (m/s²) and gyr (deg/s); sample times default to
        ``i * 1e6 / rate`` us (rounded)."""
        acc = np.asarray(acc_mps2, dtype=np.float64)
        gyr = np.asarray(gyr_dps, dtype=np.float64)
        if acc.ndim != 2 or acc.shape[1] != 3 or acc.shape != gyr.shape:
            raise UserInputError(
                f"acc has shape {acc.shape} and gyr {gyr.shape}; both must be (n_samples, 3)"
            )
        if t_us is None:
            t_us = np.round(np.arange(len(gyr)) * 1e6 / self.sampling_rate_hz).astype(np.int64)
        out: list[FirmwareEvent] = []
        update = self.update
        for t, a, g in zip(np.asarray(t_us).tolist(), acc.tolist(), gyr.tolist(), strict=True):
            out += update(t, a, g)
        return out

    @property
    def stats(self) -> dict[str, int]:
        """Bad-input counters of the core (non-finite, stuck, gaps, time jumps, ...)."""
        s = self._lib.ras_det_stats(self._state).contents
        return {name: int(getattr(s, name)) for name, _ in _Stats._fields_}


def _set_setting(cfg: _Config, name: str, value: object) -> None:
    """One ``EventSettings``-named setting into the C config (landmarks by name)."""
    if name not in SETTING_NAMES:
        raise UserInputError(
            f"unknown detector setting {name!r}; allowed: {', '.join(SETTING_NAMES)}"
        )
    if name in _LANDMARKS:
        options = _LANDMARKS[name]
        if value not in options:
            raise UserInputError(
                f"{name} {value!r} is not allowed; use one of {', '.join(options)}"
            )
        setattr(cfg, name, options[value])
    elif name == "lockout_stride_pct":
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserInputError(f"lockout_stride_pct must be a whole number of %, got {value!r}")
        setattr(cfg, name, value)
    else:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserInputError(f"{name} must be a number, got {value!r}")
        setattr(cfg, name, float(value))
