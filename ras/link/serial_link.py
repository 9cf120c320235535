"""One sensor port: a reader thread from bytes to session-bus events, with reconnects.

The thread reads bytes, decodes frames, stamps each with its arrival session time, hands them to a
:class:`~ras.link.processor.FrameProcessor` and publishes the events it returns. It also writes
HELLO_REQUEST and PING frames. It never raises: an unplugged port becomes a DISCONNECTED link
event and the port is reopened (same path, or where ``find_sensor`` says the sensor is now).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from ras.bus import SessionBus
from ras.clocksync import ClockSync
from ras.errors import UserInputError
from ras.events import LinkEvent, LinkState
from ras.link.host_steps import StepSource
from ras.link.ports import DEFAULT_BAUDRATE, open_port
from ras.link.processor import FrameProcessor
from ras.protocol.decoder import StreamDecoder
from ras.protocol.messages import Capability, Hello, Imu, Side
from ras.session_clock import SessionClock

__all__ = ["DRAIN_MAX_REAL_S", "DRAIN_QUIET_REAL_S", "DrainResult", "LinkStats", "SensorLink"]

log = logging.getLogger(__name__)

_PORT_ERRORS = (OSError, serial.SerialException, UserInputError, ValueError)

#: :meth:`SensorLink.drain` gives up when the sensor's data has not moved on for this long (real
#: s: a sensor that stopped sending), and after this long in all (real s).
DRAIN_QUIET_REAL_S = 2.0
DRAIN_MAX_REAL_S = 60.0


@dataclass(frozen=True, slots=True)
class DrainResult:
    """How far one sensor's data reached when the session ended (:meth:`SensorLink.drain`).

    Attributes
    ----------
    name : str
        The link's name.
    sensor_id : int or None
        The sensor (None if no HELLO came).
    side : Side
        Its foot.
    until_t_s : float
        Session time its data was waited for (the session's end), s.
    sensor_t_s : float
        The sensor's clock at its newest frame, on the session clock, s (NaN: no frame).
    imu_until_t_s : float or None
        Session time just after its newest raw IMU sample, s (NaN: none came); None if the
        sensor streams no IMU.
    reason : str
        Why its data stops short of ``until_t_s``; empty when it reached it.
    """

    name: str
    sensor_id: int | None
    side: Side
    until_t_s: float
    sensor_t_s: float
    imu_until_t_s: float | None
    reason: str = ""

    @property
    def complete(self) -> bool:
        """The sensor's data reached ``until_t_s``."""
        return not self.reason

    @property
    def data_until_t_s(self) -> float:
        """Where this sensor's data ends, s: its raw IMU if it streams IMU, else its clock."""
        return self.sensor_t_s if self.imu_until_t_s is None else self.imu_until_t_s

    def describe(self) -> str:
        """One line for the record: where the sensor's data ends and, if short, why."""
        imu = self.imu_until_t_s
        if not math.isfinite(self.sensor_t_s):
            text = "no data received"
        else:
            text = f"data received to {self.sensor_t_s:.2f} s"
            if imu is not None:
                text += f", raw IMU to {imu:.2f} s" if math.isfinite(imu) else ", no raw IMU"
        if self.complete:
            return f"{text}: complete to the session's end at {self.until_t_s:.2f} s"
        return f"{text}: short of the session's end at {self.until_t_s:.2f} s ({self.reason})"


@dataclass(frozen=True, slots=True)
class LinkStats:
    """Snapshot of one link (cumulative counts since the link started)."""

    name: str
    port: str
    state: LinkState
    connected: bool
    hello: Hello | None
    frames_ok: int
    lost_frames: int
    duplicate_frames: int
    backward_frames: int
    reboots: int
    reconnects: int
    pending_dropped: int
    processing_errors: int
    clock_synced: bool
    clock_residual_s: float
    clock_error_bound_s: float
    clock_drift_ppm: float
    clock_samples: int
    decoder: dict[str, int] = field(default_factory=dict)
    last_error: str = ""
    #: where the sensor's steps are detected (from its HELLO; None before one)
    step_source: StepSource | None = None

    @property
    def sensor_id(self) -> int | None:
        return None if self.hello is None else self.hello.sensor_id


class SensorLink:
    """Host side of one sensor's serial link.

    Parameters
    ----------
    url : str
        Port path or pyserial URL (``/dev/ttyUSB0``, ``loop://``, ``socket://host:port``).
    bus : SessionBus
        Where events are published.
    clock : SessionClock
        The session clock (arrival times, PING times).
    baudrate : int
        Serial speed (ignored by ptys and URLs).
    ping_interval_s : float
        Session seconds between PINGs once synced (faster before).
    reconnect_interval_s : float
        Session seconds between attempts to reopen a lost port, and between HELLO_REQUESTs
        while no HELLO has come.
    find_sensor : callable, optional
        ``find_sensor(sensor_id) -> path or None``: where the sensor is now, tried when the port
        was lost (e.g. it came back under another name).
    hello_timeout_s : float
        With ``find_sensor``: session seconds a reopened port may stay silent (no frame at all)
        before it is given up for the next candidate.
    name : str, optional
        Name for stats and logs (default: ``url``).
    read_timeout_s : float
        Real seconds a read waits for bytes (bounds PING timing and close latency).
    clock_sync : ClockSync, optional
        Clock sync with non-default settings.
    """

    def __init__(
        self,
        url: str,
        bus: SessionBus,
        clock: SessionClock,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        ping_interval_s: float = 0.5,
        reconnect_interval_s: float = 1.0,
        find_sensor: Callable[[int], str | None] | None = None,
        hello_timeout_s: float = 3.0,
        name: str | None = None,
        read_timeout_s: float = 0.02,
        clock_sync: ClockSync | None = None,
    ) -> None:
        self.url = url
        self.bus = bus
        self.clock = clock
        self.baudrate = baudrate
        self.ping_interval_s = ping_interval_s
        self.reconnect_interval_s = reconnect_interval_s
        self.find_sensor = find_sensor
        self.hello_timeout_s = hello_timeout_s
        self.fast_ping_span_s = 30.0
        self.name = name or url
        self.read_timeout_s = read_timeout_s
        self.port = url
        self.processor = FrameProcessor(port=url, clock_sync=clock_sync)
        self.decoder = StreamDecoder()
        self._serial: serial.SerialBase | None = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()  # ends a wait between reopen attempts (close, drain)
        self._thread: threading.Thread | None = None
        self._state: LinkState | None = None
        self._next_ping_s = 0.0
        self._next_hello_request_s = 0.0
        self._opened_s = 0.0
        self._avoid_path: str | None = None
        self._ever_connected = False
        self.reconnects = 0
        self.processing_errors = 0
        self.last_error = ""
        # end of a session (drain): the newest IMU batch's end (unwrapped device us), IMU frames
        # counted, the session time waited for, what the reader thread last saw of it
        self._imu_end_us: int | None = None
        self._imu_frames = 0
        self._drain_until_s: float | None = None
        self._drain_seen: tuple[float, float | None] = (math.nan, None)
        self._drained = threading.Event()
        self._last_drain: DrainResult | None = None

    # -- public --------------------------------------------------------------------------------

    @property
    def state(self) -> LinkState | None:
        return self._state

    @property
    def hello(self) -> Hello | None:
        return self.processor.hello_

    def start(self) -> SensorLink:
        """Open the port (raises :class:`UserInputError` if it cannot) and start the reader."""
        if self._thread is not None:
            return self
        ser = open_port(self.url, baudrate=self.baudrate, timeout_s=self.read_timeout_s)
        self._attach(ser, self.url)
        self._thread = threading.Thread(target=self._run, name=f"ras-link {self.name}", daemon=True)
        self._thread.start()
        return self

    def drain(
        self,
        until_t_s: float,
        *,
        quiet_s: float = DRAIN_QUIET_REAL_S,
        timeout_s: float = DRAIN_MAX_REAL_S,
    ) -> DrainResult:
        """Wait until the sensor's data up to session time ``until_t_s`` has been received.

        Call it when the session ends, before :meth:`close`. It is in when the sensor's clock
        (its newest frame) has passed ``until_t_s`` and, if it streams IMU, its raw IMU reaches
        ``until_t_s``: frames arrive in the order they were sent, so whatever the sensor sent
        before is in too. A PING goes out at once, so a PING-capable sensor answers with its
        clock. Gives up when the data has not moved on for ``quiet_s`` real seconds (a sensor
        that stopped sending, a lost port) or after ``timeout_s`` real seconds; the result says
        where the data ends and why. What was received is published by then (or, if it still
        waits for the first clock sync, by :meth:`close`), and :meth:`close` records the
        result's line in its CLOSED event.
        """
        self._drained.clear()
        self._drain_seen = (math.nan, None)
        self._next_ping_s = -math.inf  # the sensor's clock, now
        self._drain_until_s = float(until_t_s)
        self._wake.set()  # a link waiting to reopen its port looks at once
        start_s = last_move_s = time.monotonic()
        progress = self._drain_progress()
        reason = ""
        try:
            while not self._drained.wait(0.01):
                now_s = time.monotonic()
                if self._thread is None or not self._thread.is_alive():
                    reason = "the link was not running"
                    break
                moved = self._drain_progress()
                if moved != progress:
                    progress, last_move_s = moved, now_s
                elif now_s - last_move_s >= quiet_s:
                    reason = self._why_quiet(quiet_s)
                    break
                if now_s - start_s >= timeout_s:
                    reason = f"still incomplete after {timeout_s:g} s"
                    break
        finally:
            self._drain_until_s = None
        sensor_t_s, imu_t_s = self._drain_seen
        proc = self.processor
        result = DrainResult(
            self.name, proc.sensor_id_, proc.side, float(until_t_s), sensor_t_s, imu_t_s, reason
        )
        self._last_drain = result
        return result

    def _drain_progress(self) -> int:
        """What moves while the sensor's data comes in: IMU batches if it streams IMU, else
        frames."""
        return self._imu_frames if self._streams_imu() else self.processor.frames_

    def _streams_imu(self) -> bool:
        hello = self.processor.hello_
        return hello is not None and bool(hello.capabilities & Capability.IMU_STREAM)

    def _why_quiet(self, quiet_s: float) -> str:
        if self.processor.hello_ is None:
            return "no HELLO came from the sensor"
        if self._state is not LinkState.CONNECTED:
            return (
                f"its port was lost ({self.last_error})" if self.last_error else "its port was lost"
            )
        what = "raw IMU" if self._streams_imu() else "data"
        return f"the sensor sent no more {what} for {quiet_s:g} s"

    def _check_drain(self, until_t_s: float) -> None:
        """Reader thread: note how far the sensor's data has come; set the event at the end."""
        proc = self.processor
        ref_us = proc.device_time.reference_us_
        if proc.sensor_id_ is None or ref_us is None:
            return
        sensor_t_s = float(proc.clock.to_session_s(ref_us))
        imu_t_s: float | None = None
        if self._streams_imu():
            end_us = self._imu_end_us
            imu_t_s = math.nan if end_us is None else float(proc.clock.to_session_s(end_us))
        self._drain_seen = (sensor_t_s, imu_t_s)
        if sensor_t_s >= until_t_s and (imu_t_s is None or imu_t_s >= until_t_s):
            self._drained.set()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the reader thread, close the port and publish CLOSED (with where the sensor's
        data ended, after :meth:`drain`)."""
        self._stop.set()
        self._wake.set()
        ser = self._serial
        if ser is not None and hasattr(ser, "cancel_read"):
            # the port may be half-closed: the thread then ends on its own
            with contextlib.suppress(Exception):
                ser.cancel_read()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._close_port()
        if self._state is not LinkState.CLOSED:
            drained = self._last_drain
            self._set_state(LinkState.CLOSED, "" if drained is None else drained.describe())

    def send_bytes(self, data: bytes) -> None:
        """Write raw bytes to the port (thread-safe; ignored while disconnected)."""
        self._write(bytes(data), raise_errors=False)

    def stats(self) -> LinkStats:
        """A snapshot of counters and clock sync (safe to call from any thread)."""
        proc, seq, sync = self.processor, self.processor.sequence, self.processor.clock
        return LinkStats(
            name=self.name,
            port=self.port,
            state=self._state,
            connected=self._state is LinkState.CONNECTED,
            hello=proc.hello_,
            frames_ok=self.decoder.counters.frames_ok,
            lost_frames=seq.lost_frames_,
            duplicate_frames=seq.duplicates_,
            backward_frames=seq.backward_,
            reboots=seq.reboots_,
            reconnects=self.reconnects,
            pending_dropped=proc.pending_dropped_,
            processing_errors=self.processing_errors,
            clock_synced=sync.is_synced,
            clock_residual_s=sync.residual_s,
            clock_error_bound_s=sync.error_bound_s,
            clock_drift_ppm=sync.drift_ppm,
            clock_samples=sync.n_samples,
            decoder=self.decoder.counters.as_dict(),
            last_error=self.last_error,
            step_source=proc.step_source,
        )

    def __enter__(self) -> SensorLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- thread --------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                until_t_s = self._drain_until_s
                if until_t_s is not None:
                    self._check_drain(until_t_s)
                if self._serial is None:
                    if not self._reopen():
                        self._wake.wait(self.reconnect_interval_s / self.clock.speed)
                        self._wake.clear()
                    continue
                try:
                    self._service()
                except _PORT_ERRORS as err:
                    # in words first (the log and report are read by a therapist), the
                    # port's own error after it for whoever has to fix it
                    self._lose_port(f"the port stopped answering ({type(err).__name__}: {err})")
        except Exception as err:  # never let an exception out of the reader thread
            log.exception("link %s: reader thread failed", self.name)
            self.last_error = f"reader thread failed: {err!r}"
        finally:
            self._close_port()
            self._flush()

    def _flush(self) -> None:
        """Publish events still waiting for clock sync (the link goes down)."""
        try:
            events = self.processor.flush()
        except Exception:  # pragma: no cover - a bug must not stop the link
            self.processing_errors += 1
            log.exception("link %s: could not flush held events", self.name)
            return
        for event in events:
            self._publish(event)

    def _service(self) -> None:
        ser = self._serial
        data = ser.read(max(1, ser.in_waiting))
        now_s = self.clock.now_s()
        if data:
            frames = self.decoder.feed(data)
            self.processor.rejected_frames = self.decoder.counters.frames_rejected
            for frame in frames:
                try:
                    events = self.processor.process(frame, now_s)
                except Exception:  # a bug must not stop the link; counted and logged
                    self.processing_errors += 1
                    log.exception("link %s: could not process %r", self.name, frame)
                    continue
                if isinstance(frame.message, Imu) and self.processor.identified_:
                    self._note_imu(frame.message)
                for event in events:
                    self._publish(event)
            wrong = self.processor.wrong_hello_
            if wrong is not None:
                self._avoid_path = self.port
                self._lose_port(
                    f"port {self.port} answers as sensor {wrong.sensor_id}, "
                    f"expected sensor {self.processor.sensor_id_}"
                )
                return
        for event in self.processor.release_due(now_s):
            self._publish(event)
        self._send_due(self.clock.now_s())

    def _note_imu(self, imu: Imu) -> None:
        """Where the newest IMU batch ends on the sensor's clock (unwrapped us)."""
        if imu.sample_rate_hz <= 0:
            return
        first_us = self.processor.device_time.unwrap(imu.first_t_us)
        self._imu_end_us = first_us + round(len(imu.samples) * 1e6 / imu.sample_rate_hz)
        self._imu_frames += 1

    def _send_due(self, now_s: float) -> None:
        proc = self.processor
        if not proc.identified_:
            silent_s = now_s - self._opened_s
            # after a reopen, a silent port (no frames at all) may be the wrong device: try the
            # others; a port that sends frames gets its periodic HELLO sooner or later
            if (
                self.find_sensor is not None
                and self._ever_connected
                and proc.n_pending == 0
                and silent_s > self.hello_timeout_s
            ):
                self._avoid_path = self.port
                self._lose_port(f"no HELLO from {self.port} within {silent_s:.1f} s")
                return
            if now_s >= self._next_hello_request_s:
                self._write(proc.hello_request_frame())
                self._next_hello_request_s = now_s + self.reconnect_interval_s
            return
        if not proc.hello_.capabilities & Capability.PING or now_s < self._next_ping_s:
            return
        ping_id, data = proc.ping_frame()
        with self._write_lock:  # stamp as close to the write as possible
            t1_s = self.clock.now_s()
            proc.ping_sent(ping_id, t1_s)
            self._write_locked(data)
        # faster at first (until synced: /10, for the first 30 s: /5), so that the fastest round
        # trips of each window are good ones while drift is still being learnt
        sync = proc.clock
        if not sync.is_synced:
            interval_s = self.ping_interval_s / 10
        elif sync.span_s < self.fast_ping_span_s:
            interval_s = self.ping_interval_s / 5
        else:
            interval_s = self.ping_interval_s
        self._next_ping_s = t1_s + interval_s

    def _publish(self, event: object) -> None:
        if isinstance(event, LinkEvent) and event.state is LinkState.CONNECTED:
            if self._ever_connected:
                self.reconnects += 1
            self._ever_connected = True
            self._state = LinkState.CONNECTED
        self.bus.publish(event)

    def _set_state(self, state: LinkState, detail: str = "") -> None:
        if state is self._state:
            return
        self._state = state
        proc = self.processor
        self.bus.publish(
            LinkEvent(self.clock.now_s(), self.port, state, proc.sensor_id_, proc.side, detail)
        )

    # -- port ----------------------------------------------------------------------------------

    def _attach(self, ser: serial.SerialBase, path: str) -> None:
        with self._write_lock:
            self._serial = ser
        self.port = path
        self.decoder.reset()
        self.processor.begin_connection(path)
        self._opened_s = self._next_hello_request_s = self._next_ping_s = self.clock.now_s()
        self._set_state(LinkState.CONNECTING)

    def _candidates(self) -> list[str]:
        paths = [self.url]
        sensor_id = self.processor.sensor_id_
        if self.find_sensor is not None and sensor_id is not None:
            try:
                found = self.find_sensor(sensor_id)
            except Exception as err:  # a user callback: report, keep trying
                self.last_error = f"find_sensor failed: {err!r}"
                found = None
            if found and found not in paths:
                paths.append(found)
        if self._avoid_path in paths and len(paths) > 1:
            paths.remove(self._avoid_path)
            paths.append(self._avoid_path)
        self._avoid_path = None
        return paths

    def _reopen(self) -> bool:
        for path in self._candidates():
            try:
                ser = open_port(path, baudrate=self.baudrate, timeout_s=self.read_timeout_s)
            except _PORT_ERRORS as err:
                self.last_error = str(err)
                continue
            self._attach(ser, path)
            return True
        return False

    def _lose_port(self, reason: str) -> None:
        self.last_error = reason
        self._close_port()
        self._flush()
        self._set_state(LinkState.DISCONNECTED, reason)

    def _close_port(self) -> None:
        with self._write_lock:
            ser, self._serial = self._serial, None
        if ser is not None:
            try:
                ser.close()
            except Exception as err:  # closing a vanished device may fail: it is closed anyway
                log.debug("link %s: close failed: %r", self.name, err)

    def _write(self, data: bytes, *, raise_errors: bool = True) -> None:
        with self._write_lock:
            try:
                self._write_locked(data)
            except _PORT_ERRORS:
                if raise_errors:
                    raise

    def _write_locked(self, data: bytes) -> None:
        if self._serial is not None:
            self._serial.write(data)
