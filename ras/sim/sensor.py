"""A virtual foot sensor that speaks the exact wire protocol over a real pty pair.

The host opens :attr:`VirtualFootSensor.port` with pyserial like hardware. The sensor's own
thread emits frames at the right session times (the :class:`~ras.session_clock.SessionClock` is
shared with the host and may run faster than real time): HELLO at boot, on HELLO_REQUEST and
every ``hello_interval_s``; STEP frames for its foot's events at event time + detection latency
(unless on-device detection is off: an IMU-only sensor whose steps the host detects); STATUS
every ``status_interval_s``; optional IMU batches; PONG at once on PING. Faults are injected at
the byte level; a thread-safe truth log records every frame generated, and
:attr:`VirtualFootSensor.true_events` the foot's true gait events.

Device clock: ``device_t_us = round((t_s · (1 + drift_ppm·1e-6) + boot_offset_s) · 1e6) mod 2**32``.
"""

from __future__ import annotations

import array
import fcntl
import heapq
import itertools
import math
import os
import queue
import select
import shutil
import tempfile
import termios
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ras.errors import UserInputError
from ras.link.convert import imu_to_si
from ras.link.strides import StrideCounter, step_message
from ras.protocol.decoder import StreamDecoder
from ras.protocol.frame import encode_frame
from ras.protocol.messages import (
    MAX_IMU_SAMPLES,
    Capability,
    Hello,
    Imu,
    Message,
    MsgType,
    Side,
    Status,
    StatusFlag,
    Step,
    StepFlag,
    StepKind,
    sensor_reply,
)
from ras.session_clock import SessionClock
from ras.sim.firmware_core import FirmwareDetector
from ras.sim.imu import GRAVITY_MPS2, IMU_LOOKAHEAD_S, IMU_LOOKBACK_S, ImuSynth
from ras.sim.patient import GaitEvent, VirtualPatient
from ras.validate import check_range

__all__ = ["TruthRecord", "VirtualFootSensor", "device_t_us", "imu_to_raw"]

_U32 = 0xFFFFFFFF
#: Real time the host gets to drain bytes in flight when the sensor is unplugged, s: at least
#: the first, and until the pty's input queue is empty, at most the second (a busy host).
UNPLUG_DRAIN_REAL_S = 0.05
UNPLUG_DRAIN_MAX_REAL_S = 3.0
#: A frame sent late — the sensor's thread lagging the session clock (a loaded machine at a high
#: clock speed) renders a backlog in one burst, or :meth:`VirtualFootSensor.finish` sends the last
#: of a session — that meets a full pty waits this long (real s) for the host to read before it
#: is dropped; a real sensor would have sent it spread over time. A frame sent on time is dropped
#: at once, as by a real sensor's full transmit buffer.
LATE_WRITE_MAX_REAL_S = 2.0
#: Device time just after a reboot, s.
REBOOT_DEVICE_T_S = 0.002
ACC_RANGE_G = 16
GYR_RANGE_DPS = 2000


#: Prefix of the sensors' private folders: ``ras-sim-PID-XXXXXXXX`` in the temp directory.
TEMP_PREFIX = "ras-sim-"


def make_temp_dir() -> str:
    """A private folder for a sensor's port link, named after this process (``ras-sim-PID-``).

    Stopping the sensor removes it, also when a session ends by a signal; a process killed
    outright (``kill -9``) cannot, so stale folders of processes that no longer exist are
    removed here first (:func:`sweep_stale_temp_dirs`).
    """
    sweep_stale_temp_dirs()
    return tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")


def sweep_stale_temp_dirs(parent: str | None = None) -> int:
    """Remove this user's ``ras-sim-PID-*`` folders whose process is gone; return how many."""
    parent = tempfile.gettempdir() if parent is None else parent
    removed = 0
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return 0
    for entry in entries:
        pid_text = entry.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if not entry.name.startswith(TEMP_PREFIX) or not pid_text.isdigit():
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if _process_alive(int(pid_text)):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's, or not a pid we can ask about: leave it
    return True


def device_t_us(t_s: float, drift_ppm: float, boot_offset_s: float) -> int:
    """u32 device time (us) at session time ``t_s``."""
    return round((t_s * (1.0 + drift_ppm * 1e-6) + boot_offset_s) * 1e6) & _U32


def imu_to_raw(samples_si: np.ndarray, acc_range_g: int, gyr_range_dps: int) -> np.ndarray:
    """int16 raw IMU values: ``round(v / range * 32768)``, clipped (acc m/s², gyr deg/s)."""
    scale = np.array([32768.0 / (acc_range_g * GRAVITY_MPS2)] * 3 + [32768.0 / gyr_range_dps] * 3)
    return np.clip(np.round(samples_si * scale), -32768, 32767).astype(np.int16)


@dataclass(frozen=True, slots=True, eq=False)
class TruthRecord:
    """One frame the sensor generated.

    Attributes
    ----------
    seq : int
        Frame sequence number (u16).
    msg_type : MsgType
        Message type.
    message : Message
        The message as encoded.
    t_s : float
        Session time the frame was generated, s.
    device_t_us : int
        Frame header time (u32 device us).
    delivered_intact : bool
        False if any of its bytes was corrupted or dropped, it could not be written whole, or it
        was generated while unplugged.
    event_t_s : float or None
        STEP only: the true session time of the event, s.
    boot_index : int
        0 for the first boot, +1 per reboot.
    """

    seq: int
    msg_type: MsgType
    message: Message
    t_s: float
    device_t_us: int
    delivered_intact: bool
    event_t_s: float | None = None
    boot_index: int = 0


class VirtualFootSensor:
    """A foot sensor on a pty; its thread emits frames on the session clock.

    Parameters
    ----------
    patient : VirtualPatient
        The walker (shared by both feet; pulled with ``side`` as consumer key).
    side : Side
        The foot this sensor is worn on.
    clock : SessionClock
        Session clock shared with the host.
    sensor_id : int
        u32 id sent in HELLO.
    seed : int
        Seed of byte faults, event-time errors and IMU noise.
    imu_rate_hz : int or None
        IMU stream rate (e.g. 200, 400), None for none. Batches hold up to MAX_IMU_SAMPLES
        samples and leave the sensor ``IMU_LOOKAHEAD_S`` after their last sample.
    drift_ppm : float
        Device clock rate error, ±100 ppm.
    boot_offset_s : float or None
        Device time at session time 0, s (mod 2**32 us); None: a seeded value in 5–600 s.
    corrupt_byte_prob, drop_byte_prob : float
        Per wire byte probability of being replaced by a different value / dropped.
    hello_interval_s, status_interval_s : float
        Periods of HELLO and STATUS, session s.
    battery_pct, battery_drain_pct_per_h : float
        Battery at session time 0 and its drain rate.
    firmware_core : bool
        Detect the steps with the firmware's own C core (:mod:`ras.sim.firmware_core`, the
        shared library of ``firmware/``) run on this sensor's IMU samples, instead of reporting
        the patient model's events; needs ``imu_rate_hz``. STEP truth records then carry the
        session time of the event as the core detected it.
    on_device_steps : bool
        Detect steps on the sensor and send them as STEP frames (HELLO capabilities STEPS and
        STRIDE_FIGURES). False: an IMU-only sensor (a commodity IMU board, or a ras sensor with
        detection off) whose HELLO has neither and which sends no STEP frames, so the host
        detects its steps from the IMU stream; needs ``imu_rate_hz``.
    wait_for_host : bool
        Like a USB CDC device that sends only while the host has its port open: after
        :meth:`start` or :meth:`replug` nothing is written (frames are logged as not delivered)
        until the first intact frame from the host (HELLO_REQUEST or PING) arrives. Without it,
        frames written before the host opens the port would be flushed by the host's open and
        the truth log could not say which frames the host had a chance to read.

    Attributes
    ----------
    port : str or None
        Stable path to open (a symlink in a private temp dir, like /dev/serial/by-id); None
        before :meth:`start` and while unplugged.
    pts_path : str or None
        The current /dev/pts/N behind :attr:`port`.
    bytes_corrupted, bytes_dropped : int
        Bytes damaged by the fault injection.
    """

    def __init__(
        self,
        patient: VirtualPatient,
        side: Side,
        clock: SessionClock,
        *,
        sensor_id: int,
        seed: int = 0,
        imu_rate_hz: int | None = None,
        drift_ppm: float = 0.0,
        boot_offset_s: float | None = None,
        corrupt_byte_prob: float = 0.0,
        drop_byte_prob: float = 0.0,
        hello_interval_s: float = 5.0,
        status_interval_s: float = 1.0,
        battery_pct: float = 95.0,
        battery_drain_pct_per_h: float = 5.0,
        wait_for_host: bool = True,
        firmware_core: bool = False,
        on_device_steps: bool = True,
    ) -> None:
        check_range("drift_ppm", drift_ppm, -100.0, 100.0, "ppm")
        if firmware_core and imu_rate_hz is None:
            raise ValueError(
                "firmware_core=True needs imu_rate_hz: the C core detects steps from IMU samples"
            )
        if not on_device_steps and imu_rate_hz is None:
            raise UserInputError(
                "a sensor without on-device step detection needs an IMU stream (imu_rate_hz):"
                " the host detects its steps from the IMU samples"
            )
        if not on_device_steps and firmware_core:
            raise UserInputError(
                "firmware_core=True detects steps on the sensor; it cannot be combined with"
                " on_device_steps=False"
            )
        check_range("corrupt_byte_prob", corrupt_byte_prob, 0.0, 1.0)
        check_range("drop_byte_prob", drop_byte_prob, 0.0, 1.0)
        if imu_rate_hz is not None:
            check_range("imu_rate_hz", imu_rate_hz, 1, 2000, "Hz")
        self.patient = patient
        self.side = side
        self.clock = clock
        self.sensor_id = int(sensor_id) & _U32
        self.seed = seed
        self.imu_rate_hz = None if imu_rate_hz is None else int(imu_rate_hz)
        self.drift_ppm = float(drift_ppm)
        self._rng = np.random.default_rng([seed, self.sensor_id])
        if boot_offset_s is None:
            boot_offset_s = float(self._rng.uniform(5.0, 600.0))
        self.boot_offset_s = float(boot_offset_s)
        self.corrupt_byte_prob = float(corrupt_byte_prob)
        self.drop_byte_prob = float(drop_byte_prob)
        self.hello_interval_s = float(hello_interval_s)
        self.status_interval_s = float(status_interval_s)
        self.battery_pct = float(battery_pct)
        self.battery_drain_pct_per_h = float(battery_drain_pct_per_h)
        self.port: str | None = None
        self.pts_path: str | None = None
        self.bytes_corrupted = 0
        self.bytes_dropped = 0
        self.boot_index = 0
        self._lock = threading.Lock()
        self._truth: list[TruthRecord] = []
        self._n_intact = 0
        self._dir: str | None = None
        self._link_index = 0
        self._master: int | None = None
        self._slave: int | None = None
        self._writing = False
        self._late = False  # the frames being sent are late: wait for room in the pty
        self._host_stalled = False  # a late frame waited in vain: do not wait again until one fits
        self.wait_for_host = bool(wait_for_host)
        self._host_attached = not self.wait_for_host
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._commands: queue.SimpleQueue[tuple[Callable[[], None], threading.Event]] = (
            queue.SimpleQueue()
        )
        self._decoder = StreamDecoder()
        self._synth = (
            None
            if self.imu_rate_hz is None
            else ImuSynth(
                patient.params,
                side,
                self.imu_rate_hz * (1.0 + self.drift_ppm * 1e-6),
                seed=seed,
            )
        )
        self._pending: list[tuple[float, int, GaitEvent, float]] = []
        self._tie = itertools.count()
        self.firmware_core = bool(firmware_core)
        self.on_device_steps = bool(on_device_steps)
        self._true_events: list[GaitEvent] = []
        self._fw: FirmwareDetector | None = None
        self._fw_strides = StrideCounter()
        self._reset_boot_state(0.0)

    # ------------------------------------------------------------------------- public API
    def device_t_us(self, t_s: float) -> int:
        """This sensor's u32 device time (us) at session time ``t_s``."""
        return device_t_us(t_s, self.drift_ppm, self.boot_offset_s)

    @property
    def truth_log(self) -> list[TruthRecord]:
        """Copy of every frame generated so far, in order."""
        with self._lock:
            return list(self._truth)

    @property
    def true_events(self) -> list[GaitEvent]:
        """Copy of this foot's true gait events so far (the patient model's), in time order.

        Whatever the sensor reports (STEP frames, the firmware core's detections, or nothing
        when the host detects the steps), these are what happened.
        """
        with self._lock:
            return list(self._true_events)

    @property
    def frames_generated(self) -> int:
        with self._lock:
            return len(self._truth)

    @property
    def frames_delivered_intact(self) -> int:
        with self._lock:
            return self._n_intact

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Create the pty and port link, boot (HELLO) and start the sensor's thread."""
        if self._thread is not None:
            raise RuntimeError("sensor already started")
        self._dir = make_temp_dir()
        self._open_port(new_path=False)
        self._reset_boot_state(self.clock.now_s())
        self._thread = threading.Thread(
            target=self._run, name=f"ras-sim-sensor-{self.side.label}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, close the pty and remove the port link and temp dir."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._close_port()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def finish(self, until_t_s: float) -> None:
        """The session ends at session time ``until_t_s``: send everything up to it before the
        host stops listening.

        The sensor's thread renders IMU batches as the session clock passes; on a loaded machine
        at a high clock speed it falls behind the clock, and stopping it then would lose the
        samples it had not rendered yet. This waits (on the session clock) until the samples and
        steps up to ``until_t_s`` are due — ``IMU_LOOKAHEAD_S`` plus one batch, and the longest
        detection latency, after it — then has the thread emit all that is due however far
        behind it was, and returns once it is written. A frame meeting a full pty waits up to
        ``LATE_WRITE_MAX_REAL_S`` for the host to read instead of being dropped. The host then
        reads what is in flight (:meth:`ras.link.serial_link.SensorLink.drain`).
        """
        if self._thread is None:
            return
        params = self.patient.params
        due_s = max(params.detection_latency_s(kind) for kind in StepKind)
        if self.imu_rate_hz is not None:
            due_s = max(due_s, IMU_LOOKAHEAD_S + MAX_IMU_SAMPLES / self.imu_rate_hz)
        self.clock.sleep_until(until_t_s + due_s)

        def emit_all_due() -> None:
            self._late = True
            try:
                self._emit_due(self.clock.now_s(), imu_until_s=until_t_s)
            finally:
                self._late = False

        self._call(emit_all_due)

    def __enter__(self) -> VirtualFootSensor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """Stop writing, let the host drain ~50 ms (real time), then close the pty.

        The host's reads fail and :attr:`port` disappears. Frames generated while unplugged are
        logged as not delivered.
        """
        with self._lock:
            self._writing = False
        time.sleep(UNPLUG_DRAIN_REAL_S)
        deadline = time.monotonic() + UNPLUG_DRAIN_MAX_REAL_S
        while time.monotonic() < deadline and self._unread_bytes() > 0:
            time.sleep(0.005)
        self._call(self._close_port)

    def _unread_bytes(self) -> int:
        """Bytes written to the pty that the host has not read yet (0 if closed)."""
        with self._lock:
            slave = self._slave
            if slave is None:
                return 0
            count = array.array("i", [0])
            try:
                fcntl.ioctl(slave, termios.FIONREAD, count, True)
            except OSError:
                return 0
            return count[0]

    def replug(self, new_path: bool = False) -> None:
        """Plug in again on a new pty; the stable :attr:`port` link points at it (or, with
        ``new_path``, a different link path is made and :attr:`port` names it)."""
        self._call(lambda: self._open_port(new_path))

    def reboot(self) -> None:
        """Restart: sequence from 0, device clock near 0, HELLO first; pending detections lost."""
        self._call(lambda: self._reset_boot_state(self.clock.now_s(), reboot=True))

    # ------------------------------------------------------------------------ port handling
    def _call(self, fn: Callable[[], None]) -> None:
        if self._thread is not None and self._thread.is_alive():
            done = threading.Event()
            self._commands.put((fn, done))
            done.wait()
        else:
            fn()

    def _open_port(self, new_path: bool) -> None:
        if self._dir is None:
            raise RuntimeError("sensor not started")
        self._close_port()
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        if new_path:
            self._link_index += 1
        name = f"ras-sim-{self.side.label}-{self.sensor_id:08x}"
        if self._link_index:
            name += f"-{self._link_index}"
        link = os.path.join(self._dir, name)
        tmp = link + ".new"
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, link)
        self._decoder.reset()
        with self._lock:
            self._master, self._slave = master, slave
            self.pts_path = os.ttyname(slave)
            self.port = link
            self._writing = True
            self._host_attached = not self.wait_for_host

    def _close_port(self) -> None:
        with self._lock:
            self._writing = False
            master, slave = self._master, self._slave
            self._master = self._slave = None
            port = self.port
            self.port = None
            self.pts_path = None
        if port is not None and os.path.islink(port):
            os.unlink(port)
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)

    # ------------------------------------------------------------------------- boot state
    def _reset_boot_state(self, now_s: float, reboot: bool = False) -> None:
        if reboot:
            self.boot_offset_s = REBOOT_DEVICE_T_S - now_s * (1.0 + self.drift_ppm * 1e-6)
            self.boot_index += 1
        self._boot_t_s = now_s
        self._seq = 0
        self._next_hello_t_s = now_s  # HELLO first
        self._next_status_t_s = now_s + self.status_interval_s
        self._pending.clear()
        self._imu_index = 0
        self._dropped_frames = 0
        self._dropped_samples = 0
        self._rx_rejected_at_boot = self._decoder.counters.frames_rejected
        self._imu_boot_device_s = now_s * (1.0 + self.drift_ppm * 1e-6) + self.boot_offset_s
        if self.firmware_core:  # the core restarts with the sensor
            self._fw = FirmwareDetector(self.imu_rate_hz, gyr_range_dps=GYR_RANGE_DPS)
            self._fw_strides = StrideCounter()

    # --------------------------------------------------------------------------- the thread
    def _run(self) -> None:
        poll_real_s = min(max(0.02 / self.clock.speed, 0.0005), 0.01)
        try:
            while not self._stop.is_set():
                self._run_commands()
                now_s = self.clock.now_s()
                self._emit_due(now_s)
                master = self._master
                timeout = poll_real_s
                if master is None:
                    self._stop.wait(timeout)
                    continue
                readable, _, _ = select.select([master], [], [], timeout)
                if readable:
                    self._read_host(master)
        finally:
            self._run_commands()

    def _run_commands(self) -> None:
        while True:
            try:
                fn, done = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            finally:
                done.set()

    def _read_host(self, master: int) -> None:
        try:
            data = os.read(master, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EIO when no process has the slave open
            return
        rx_t_s = self.clock.now_s()
        for frame in self._decoder.feed(data):
            self._host_attached = True
            reply = sensor_reply(frame.message, self._hello(), self.device_t_us(rx_t_s))
            if reply is not None:
                self._send(reply, self.clock.now_s())

    def _hello(self) -> Hello:
        caps = Capability.PING
        if self.on_device_steps:
            caps |= Capability.STEPS | Capability.STRIDE_FIGURES
        if self.imu_rate_hz:
            caps |= Capability.IMU_STREAM
        return Hello(
            sensor_id=self.sensor_id,
            side=self.side,
            firmware_version=(0, 1, 0),
            imu_model="ras-sim",
            sample_rate_hz=self.imu_rate_hz or 0,
            acc_range_g=ACC_RANGE_G,
            gyr_range_dps=GYR_RANGE_DPS,
            capabilities=caps,
        )

    def _status(self, now_s: float) -> Status:
        pct = self.battery_pct - self.battery_drain_pct_per_h * max(now_s, 0.0) / 3600.0
        pct = min(max(pct, 0.0), 100.0)
        flags = StatusFlag.LOW_BATTERY if pct < 15.0 else 0
        return Status(
            battery_mv=round(3300 + 9.0 * pct),
            battery_pct=round(pct),
            flags=flags,
            dropped_samples=self._dropped_samples,
            dropped_frames=self._dropped_frames,
            rx_errors=self._decoder.counters.frames_rejected - self._rx_rejected_at_boot,
        )

    def _emit_due(self, now_s: float, imu_until_s: float | None = None) -> None:
        """Send what is due at session time ``now_s``: steps, HELLO, STATUS, then the IMU
        batches (with ``imu_until_s``, only as far as the batch holding that time)."""
        params = self.patient.params
        happened = self.patient.advance(now_s, self.side)
        if happened:
            with self._lock:
                self._true_events += happened
        for event in happened:
            if self._fw is not None or not self.on_device_steps:
                continue  # the firmware core, or the host, detects the steps from the IMU
            due_s = event.t_s + params.detection_latency_s(event.kind)
            reported_s = event.t_s
            if params.event_time_error_sd_s > 0:
                reported_s += float(self._rng.normal(0.0, params.event_time_error_sd_s))
            heapq.heappush(self._pending, (due_s, next(self._tie), event, reported_s))
        due: list[tuple[float, int, Callable[[], None]]] = []
        if now_s >= self._next_hello_t_s:
            due.append((self._next_hello_t_s, 0, lambda: self._send(self._hello(), now_s)))
            self._next_hello_t_s += self.hello_interval_s * max(
                1, math.ceil((now_s - self._next_hello_t_s) / self.hello_interval_s)
            )
        if now_s >= self._next_status_t_s:
            due.append((self._next_status_t_s, 1, lambda: self._send(self._status(now_s), now_s)))
            self._next_status_t_s += self.status_interval_s * max(
                1, math.ceil((now_s - self._next_status_t_s) / self.status_interval_s)
            )
        while self._pending and self._pending[0][0] <= now_s:
            due_s, _, event, reported_s = heapq.heappop(self._pending)
            due.append((due_s, 2, lambda e=event, r=reported_s: self._send_step(e, r, now_s)))
        due.sort(key=lambda item: (item[0], item[1]))
        for _, _, emit in due:
            emit()
        self._emit_imu(now_s, imu_until_s)

    def _send_step(self, event: GaitEvent, reported_s: float, now_s: float) -> None:
        scale_us = 1e6 * (1.0 + self.drift_ppm * 1e-6)
        event_us = self.device_t_us(reported_s)
        now_us = self.device_t_us(now_s)
        flags = 0
        stride_us = stance_us = length_mm = clearance_mm = 0
        if event.stride_time_s is not None:
            flags |= StepFlag.STRIDE_TIME
            stride_us = round(event.stride_time_s * scale_us) & _U32
        if event.stance_time_s is not None:
            flags |= StepFlag.STANCE_TIME
            stance_us = round(event.stance_time_s * scale_us) & _U32
        if event.stride_length_m is not None:
            flags |= StepFlag.STRIDE_LENGTH
            length_mm = min(round(event.stride_length_m * 1000), 0xFFFF)
        if event.clearance_m is not None:
            flags |= StepFlag.CLEARANCE
            clearance_mm = min(round(event.clearance_m * 1000), 0xFFFF)
        step = Step(
            kind=event.kind,
            event_t_us=event_us,
            latency_us=(now_us - event_us) & _U32,
            stride_index=event.stride_index & 0xFFFF,
            flags=flags,
            stride_time_us=stride_us,
            stance_time_us=stance_us,
            stride_length_mm=length_mm,
            clearance_mm=clearance_mm,
        )
        self._send(step, now_s, event_t_s=event.t_s, header_t_us=now_us)

    def _emit_imu(self, now_s: float, until_s: float | None = None) -> None:
        if self._synth is None or self.imu_rate_hz is None:
            return
        rate_session_hz = self._synth.rate_hz
        limit_s = min(now_s, self.patient.known_until_t_s) - IMU_LOOKAHEAD_S
        n = MAX_IMU_SAMPLES
        if until_s is not None:  # up to the batch that holds until_s
            limit_s = min(limit_s, until_s + (n - 1) / rate_session_hz)
        while not self._stop.is_set():  # a backlog is not rendered past stop()
            t0_s = self._boot_t_s + self._imu_index / rate_session_hz
            if t0_s + (n - 1) / rate_session_hz > limit_s:
                return
            t1_s = t0_s + n / rate_session_hz
            events = self.patient.events_between(
                t0_s - IMU_LOOKBACK_S, t1_s + IMU_LOOKAHEAD_S, self.side
            )
            freezes = self.patient.freezes_between(t0_s - 1.0, t1_s + 1.0)
            samples = self._synth.render(t0_s, n, events, freezes)
            first_us = (
                round((self._imu_boot_device_s + self._imu_index / self.imu_rate_hz) * 1e6) & _U32
            )
            raw = imu_to_raw(samples, ACC_RANGE_G, GYR_RANGE_DPS)
            dropped_before = self._dropped_frames
            # a batch due over a batch ago is part of a backlog: it waits for room in the pty
            was_late = self._late
            self._late = was_late or t1_s + IMU_LOOKAHEAD_S < now_s - n / rate_session_hz
            try:
                self._send(Imu(first_us, self.imu_rate_hz, raw), now_s)
                if self._dropped_frames != dropped_before:  # the pty buffer was full
                    self._dropped_samples += n
                if self._fw is not None:
                    self._detect_with_firmware(raw, first_us, now_s)
            finally:
                self._late = was_late
            self._imu_index += n

    def _detect_with_firmware(self, raw: np.ndarray, first_us: int, now_s: float) -> None:
        """Run a batch of raw samples through the C core; send a STEP per detected event."""
        si = imu_to_si(raw, acc_range_g=ACC_RANGE_G, gyr_range_dps=GYR_RANGE_DPS)
        period_us = 1e6 / self.imu_rate_hz
        now_us = self.device_t_us(now_s)
        for j, row in enumerate(si.tolist()):
            t_us = (first_us + round(j * period_us)) & _U32
            for ev in self._fw.update(t_us, row[:3], row[3:]):
                fig = self._fw_strides.add(ev.kind, ev.t_us)
                step = step_message(ev.kind, ev.t_us, (now_us - ev.t_us) & _U32, fig)
                event_t_s = self._boot_t_s + ev.idx / self._synth.rate_hz
                self._send(step, now_s, event_t_s=event_t_s, header_t_us=now_us)

    # ----------------------------------------------------------------------------- writing
    def _send(
        self,
        message: Message,
        now_s: float,
        *,
        event_t_s: float | None = None,
        header_t_us: int | None = None,
    ) -> bool:
        seq = self._seq
        self._seq = (seq + 1) & 0xFFFF
        t_us = self.device_t_us(now_s) if header_t_us is None else header_t_us
        wire = encode_frame(message, seq, t_us, leading_delimiter=True)
        with self._lock:
            intact = self._write(wire)
            self._truth.append(
                TruthRecord(
                    seq=seq,
                    msg_type=MsgType(message.msg_type),
                    message=message,
                    t_s=now_s,
                    device_t_us=t_us,
                    delivered_intact=intact,
                    event_t_s=event_t_s,
                    boot_index=self.boot_index,
                )
            )
            self._n_intact += intact
        return intact

    def _write(self, wire: bytes) -> bool:
        """Write one frame's bytes with faults applied (lock held); True if intact."""
        if not self._writing or self._master is None or not self._host_attached:
            return False
        data = np.frombuffer(wire, dtype=np.uint8).copy()
        intact = True
        if self.corrupt_byte_prob > 0:
            hit = self._rng.random(len(data)) < self.corrupt_byte_prob
            if hit.any():
                shift = self._rng.integers(1, 256, size=int(hit.sum()))
                data[hit] = (data[hit].astype(np.int64) + shift) % 256
                self.bytes_corrupted += int(hit.sum())
                intact = False
        if self.drop_byte_prob > 0:
            keep = self._rng.random(len(data)) >= self.drop_byte_prob
            if not keep.all():
                self.bytes_dropped += int((~keep).sum())
                data = data[keep]
                intact = False
        out = data.tobytes()
        try:
            written = os.write(self._master, out)
        except BlockingIOError:
            written = 0
        except OSError:
            return False
        if written < len(out) and self._late and not self._host_stalled:
            written += self._write_rest(out[written:])
            self._host_stalled = written < len(out)
        elif written == len(out):
            self._host_stalled = False
        if written < len(out):
            self._dropped_frames += 1
            return False
        return intact

    def _write_rest(self, rest: bytes) -> int:
        """Write ``rest`` as the host makes room in the pty, for up to
        ``LATE_WRITE_MAX_REAL_S``; bytes written (lock held)."""
        master = self._master
        deadline = time.monotonic() + LATE_WRITE_MAX_REAL_S
        done = 0
        while done < len(rest) and not self._stop.is_set():
            left_s = deadline - time.monotonic()
            if left_s <= 0:
                break
            _, writable, _ = select.select([], [master], [], min(left_s, 0.05))
            if not writable:
                continue
            try:
                done += os.write(master, rest[done:])
            except BlockingIOError:
                continue
            except OSError:
                break
        return done
