"""Decoded frames of one sensor -> session-bus events (no I/O, no threads).

:class:`FrameProcessor` holds what the host knows about one sensor: its HELLO, sequence and
loss counts, device-time unwrapping, clock sync and outstanding PINGs. The serial link feeds it
frames with their arrival times and publishes what it returns. For a sensor that streams IMU but
sends no steps (HELLO without STEPS) it detects the steps itself (:mod:`ras.link.host_steps`)
and publishes them like the sensor's own.
"""

from __future__ import annotations

from collections import OrderedDict, deque

from ras.clocksync import ClockSync
from ras.events import ImuEvent, LinkEvent, LinkState, SensorStatusEvent, StepEvent
from ras.link.convert import imu_to_si, stride_figures_si
from ras.link.host_steps import HostStep, HostStepDetector, StepSource, step_source
from ras.link.sequence import DeviceTimeUnwrapper, SeqKind, SequenceTracker
from ras.protocol.frame import Frame, encode_frame
from ras.protocol.messages import (
    Capability,
    Hello,
    HelloRequest,
    Imu,
    Ping,
    Pong,
    Side,
    Status,
    Step,
)

__all__ = ["Event", "FrameProcessor"]

Event = StepEvent | ImuEvent | SensorStatusEvent | LinkEvent


class FrameProcessor:
    """One sensor's frames -> events: sequence, loss, reboots, device time, clock sync.

    Until a HELLO has arrived on the current connection, frames are held (the sensor's identity
    is not known yet) and replayed in order once it comes. After the first HELLO the processor is
    bound to that sensor id; a HELLO from another sensor sets :attr:`wrong_hello_`.

    Parameters
    ----------
    port : str
        Port name, for link events.
    clock_sync : ClockSync, optional
        Clock sync to use (default: a new one with default settings).
    max_pending_frames : int
        Frames held while waiting for HELLO; older ones beyond this are dropped and counted.
    reboot_backstep_us : int
        A header time this much earlier than the previous one means the sensor restarted.
    max_pending_pings : int
        PINGs remembered while waiting for their PONG.
    max_hold_s : float
        Session seconds step, IMU and status events of a PING-capable sensor may wait for the
        first round-trip clock sync (after start or reboot), so that their times are accurate;
        after that they are released with the arrival-based estimate. Nothing is dropped.

    Steps come from the sensor's STEP frames, or, when its HELLO has IMU_STREAM but not STEPS,
    from the host's own detector run on its IMU batches (:attr:`host_steps_`): such steps are
    published as :class:`StepEvent` exactly like the sensor's (device time mapped by the same
    clock sync; ``seq`` and ``received_t_s`` those of the IMU frame that completed the event).

    Attributes
    ----------
    hello_ : Hello or None
        The sensor's latest HELLO.
    host_steps_ : HostStepDetector or None
        The host's step detector of this boot, while the sensor's steps are detected here.
    sensor_id_ : int or None
        The sensor this processor is bound to.
    identified_ : bool
        A HELLO from the bound sensor arrived on the current connection.
    wrong_hello_ : Hello or None
        A HELLO from a different sensor on the current connection.
    frames_, pending_dropped_, unmatched_pongs_, unexpected_ : int
        Frames processed, frames dropped while waiting for HELLO (overflow, or the port was lost
        before a HELLO came), PONGs without a PING, frames of host-to-sensor types received.
    ignored_steps_ : int
        STEP frames of a sensor whose HELLO says it sends none (its steps are detected here).
    """

    def __init__(
        self,
        *,
        port: str,
        clock_sync: ClockSync | None = None,
        max_pending_frames: int = 4096,
        reboot_backstep_us: int = 10_000,
        max_pending_pings: int = 64,
        max_hold_s: float = 3.0,
    ) -> None:
        self.port = port
        self.clock = clock_sync if clock_sync is not None else ClockSync()
        self.max_pending_frames = max_pending_frames
        self.reboot_backstep_us = reboot_backstep_us
        self.max_pending_pings = max_pending_pings
        self.max_hold_s = max_hold_s
        self.sequence = SequenceTracker()
        self.device_time = DeviceTimeUnwrapper()
        self.hello_: Hello | None = None
        self.sensor_id_: int | None = None
        self.identified_ = False
        self.wrong_hello_: Hello | None = None
        self.frames_ = 0
        self.pending_dropped_ = 0
        self.unmatched_pongs_ = 0
        self.unexpected_ = 0
        self.ignored_steps_ = 0
        self.host_steps_: HostStepDetector | None = None
        #: damaged frames the link's decoder rejected (kept current by the link; for STATUS)
        self.rejected_frames = 0
        self._pending: deque[tuple[Frame, float]] = deque()
        # frame, arrival, device time, and the IMU samples in SI units or a host-detected step
        self._held: deque[tuple[Frame, float, int, object]] = deque()
        self._hold_started_s = 0.0
        self._now_s = float("-inf")  # newest arrival time seen
        self._pings: OrderedDict[int, float] = OrderedDict()
        self._host_seq = 0
        self._next_ping_id = 1

    # -- connection and host frames -----------------------------------------------------------

    def begin_connection(self, port: str) -> None:
        """A port was (re)opened: wait for HELLO again; forget PINGs sent before."""
        self.port = port
        self.identified_ = False
        self.wrong_hello_ = None
        self.pending_dropped_ += len(self._pending)
        self._pending.clear()
        self._pings.clear()
        if self.host_steps_ is not None:
            self.host_steps_.restart()  # samples were lost while the port was closed

    @property
    def side(self) -> Side:
        return self.hello_.side if self.hello_ is not None else Side.UNKNOWN

    @property
    def step_source(self) -> StepSource | None:
        """Where this sensor's steps are detected (None before its HELLO)."""
        return step_source(self.hello_)

    @property
    def n_pending(self) -> int:
        """Frames held on this connection until a HELLO identifies the sensor."""
        return len(self._pending)

    def _host_frame(self, message: Ping | HelloRequest) -> bytes:
        data = encode_frame(message, self._host_seq, 0, leading_delimiter=True)
        self._host_seq = (self._host_seq + 1) & 0xFFFF
        return data

    def hello_request_frame(self) -> bytes:
        """Wire bytes of a HELLO_REQUEST."""
        return self._host_frame(HelloRequest())

    def ping_frame(self) -> tuple[int, bytes]:
        """A new PING: its id and wire bytes. Call :meth:`ping_sent` when it is written."""
        ping_id = self._next_ping_id
        self._next_ping_id = (self._next_ping_id + 1) & 0xFFFFFFFF
        return ping_id, self._host_frame(Ping(ping_id))

    def ping_sent(self, ping_id: int, t1_s: float) -> None:
        """PING ``ping_id`` was written at session time ``t1_s`` (just before the write)."""
        self._pings[ping_id] = t1_s
        while len(self._pings) > self.max_pending_pings:
            self._pings.popitem(last=False)

    # -- frames --------------------------------------------------------------------------------

    def process(self, frame: Frame, arrival_t_s: float) -> list[Event]:
        """Account for one decoded frame that arrived at session time ``arrival_t_s``."""
        msg = frame.message
        self._now_s = max(self._now_s, arrival_t_s)
        if isinstance(msg, Ping | HelloRequest):
            self.unexpected_ += 1  # a host-to-sensor frame (echo, loopback): not the sensor's
            return []
        if self.identified_:
            return self._handle(frame, arrival_t_s)
        if not isinstance(msg, Hello):
            self._pending.append((frame, arrival_t_s))
            if len(self._pending) > self.max_pending_frames:
                self._pending.popleft()
                self.pending_dropped_ += 1
            return []
        if self.sensor_id_ is not None and msg.sensor_id != self.sensor_id_:
            self.wrong_hello_ = msg
            self._pending.clear()  # another sensor's frames
            return []
        self.sensor_id_ = msg.sensor_id
        self.hello_ = msg
        self.identified_ = True
        events: list[Event] = [
            LinkEvent(
                arrival_t_s,
                self.port,
                LinkState.CONNECTED,
                msg.sensor_id,
                msg.side,
                step_source(msg).description,
            )
        ]
        while self._pending:
            events += self._handle(*self._pending.popleft())
        events += self._handle(frame, arrival_t_s)
        return events

    def _handle(self, frame: Frame, arrival_t_s: float) -> list[Event]:
        msg = frame.message
        events: list[Event] = []
        delta_us = self.device_time.delta_us(frame.t_us)
        update = self.sequence.update(
            frame.seq,
            is_hello=isinstance(msg, Hello),
            clock_went_back=delta_us is not None and delta_us < -self.reboot_backstep_us,
            elapsed_s=None if delta_us is None else delta_us * 1e-6,
        )
        if update.kind is SeqKind.DUPLICATE:
            return events
        if update.kind is SeqKind.REBOOT:
            events += self.flush()  # the old boot's frames, on the old boot's clock
            self.device_time.reset()
            self.clock.reset()
            self._pings.clear()
            self.host_steps_ = None  # a new detector and stride count for the new boot
            detail = f"sequence {update.prev_seq} -> {frame.seq}"
            events.append(
                LinkEvent(
                    arrival_t_s, self.port, LinkState.REBOOTED, self.sensor_id_, self.side, detail
                )
            )
        self.frames_ += 1
        header_us = self.device_time.update(frame.t_us)
        self.clock.add_arrival(header_us, arrival_t_s)
        if isinstance(msg, Step) and self.step_source is StepSource.HOST:
            self.ignored_steps_ += 1  # its HELLO says it sends none: they are detected here
        elif isinstance(msg, Step | Status):
            t_us = header_us if isinstance(msg, Status) else self.device_time.unwrap(msg.event_t_us)
            self._hold(frame, arrival_t_s, t_us, None)
        elif isinstance(msg, Imu):
            self._handle_imu(frame, msg, arrival_t_s)
        elif isinstance(msg, Pong):
            t1_s = self._pings.pop(msg.ping_id, None)
            if t1_s is None:
                self.unmatched_pongs_ += 1
            else:
                rx_us = self.device_time.unwrap(msg.rx_t_us)
                self.clock.add_round_trip(t1_s, rx_us, header_us, arrival_t_s)
        elif isinstance(msg, Hello):
            self.hello_ = msg
        if self._held and not self._holding(arrival_t_s):
            events += self.flush()
        return events

    def _hold(self, frame: Frame, arrival_t_s: float, t_us: int, extra: object) -> None:
        if not self._held:
            self._hold_started_s = self._now_s
        self._held.append((frame, arrival_t_s, t_us, extra))

    def _handle_imu(self, frame: Frame, imu: Imu, arrival_t_s: float) -> None:
        """Hold the batch's event; detect steps in it if this host detects the sensor's steps."""
        hello = self.hello_
        first_us = self.device_time.unwrap(imu.first_t_us)
        samples_si = imu_to_si(
            imu.samples, acc_range_g=hello.acc_range_g, gyr_range_dps=hello.gyr_range_dps
        )
        self._hold(frame, arrival_t_s, first_us, samples_si)
        if self.step_source is not StepSource.HOST:
            self.host_steps_ = None
            return
        if self.host_steps_ is None:
            self.host_steps_ = HostStepDetector()
        for found in self.host_steps_.feed(
            first_us=first_us, sample_rate_hz=imu.sample_rate_hz, samples_si=samples_si
        ):
            self._hold(frame, arrival_t_s, found.device_t_us, found)

    def _holding(self, now_s: float) -> bool:
        """Whether data events wait for the first round-trip clock sync."""
        hello = self.hello_
        return (
            not self.clock.is_synced
            and hello is not None
            and bool(hello.capabilities & Capability.PING)
            and now_s - self._hold_started_s < self.max_hold_s
        )

    def release_due(self, now_s: float) -> list[Event]:
        """Held events whose wait for clock sync is over at session time ``now_s``."""
        if self._held and not self._holding(now_s):
            return self.flush()
        return []

    def flush(self) -> list[Event]:
        """Events of all held frames, mapped with the clock sync as it is now."""
        events: list[Event] = []
        while self._held:
            frame, arrival_t_s, t_us, extra = self._held.popleft()
            msg = frame.message
            if isinstance(extra, HostStep):
                events.append(self._step_event(frame, extra.step, arrival_t_s, t_us))
            elif isinstance(msg, Step):
                events.append(self._step_event(frame, msg, arrival_t_s, t_us))
            elif isinstance(msg, Imu):
                events.append(self._imu_event(msg, t_us, extra))
            else:
                events.append(self._status_event(msg, t_us))
        return events

    def _step_event(self, frame: Frame, step: Step, arrival_t_s: float, event_us: int) -> StepEvent:
        return StepEvent(
            sensor_id=self.sensor_id_,
            side=self.side,
            kind=step.kind,
            t_s=self.clock.to_session_s(event_us),
            device_t_us=event_us,
            received_t_s=arrival_t_s,
            seq=frame.seq,
            stride_index=step.stride_index,
            clock_error_s=self.clock.error_bound_at(event_us),
            **stride_figures_si(step),
        )

    def _imu_event(self, imu: Imu, first_us: int, samples_si: object) -> ImuEvent:
        return ImuEvent(
            sensor_id=self.sensor_id_,
            side=self.side,
            first_t_s=self.clock.to_session_s(first_us),
            sample_rate_hz=float(imu.sample_rate_hz),
            device_first_t_us=first_us,
            samples_si=samples_si,
        )

    def _status_event(self, status: Status, header_us: int) -> SensorStatusEvent:
        return SensorStatusEvent(
            t_s=self.clock.to_session_s(header_us),
            sensor_id=self.sensor_id_,
            side=self.side,
            battery_mv=status.battery_mv,
            battery_pct=None if status.battery_pct == 255 else status.battery_pct,
            flags=status.flags,
            dropped_samples=status.dropped_samples,
            dropped_frames=status.dropped_frames,
            lost_frames=self.sequence.lost_frames_,
            rejected_frames=self.rejected_frames,
            clock_residual_s=self.clock.residual_s,
            clock_drift_ppm=self.clock.drift_ppm,
        )
