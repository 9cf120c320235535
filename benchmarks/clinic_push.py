"""Pushing a laptop's sessions to a clinic's PostgreSQL server (ras.clinic): seconds, rows/s
and MB/s of SessionPusher against a naive executemany baseline, a push cut off half way and
resumed, and `ras sessions` with nothing to push, all in one run on a local server.

Data: one real `ras run --simulate parkinson` session (``--minutes`` of walking: 3 min baseline,
3 min probe, the rest cued; raw IMU at the default 100 Hz on both feet) recorded at ``--speed``
(it must end 'complete'; a session that does not is recorded again at half the speed), then
copied ``--week`` times into one laptop file (tests.clinic.laptops.copy_session: new uids) and
``--pushed`` times into another. The server: tests.clinic.pg_server.PgServer, started with
PostgreSQL's default durability (fsync and synchronous commit on, as a clinic's server runs;
the tests turn fsync off), one new database per push.

Pushes: ras.clinic.records.sync with SessionPusher (COPY) at its default chunk size and at
``--chunks``; the naive baseline, written here: the same rows read the same way and sent with
psycopg's executemany INSERT, one transaction per table and session, no counting, no
fingerprints. Each is timed ``--repeat`` times, interleaved (a round runs each once), median
reported; each push is checked (every table's row count on the server equals the laptop's).
Resume: the week's push with the server stopped (immediate, as a crash) from the progress
callback once half its rows are committed, then pushed again after a restart, each paired with
an uninterrupted push; checked per session and table, and row by row for the cut-off session.
Nothing to push: the pending check, `sync` and `ras sessions` (in this process and as a
command) over ``--pushed`` pushed sessions, median of 3 x ``--repeat``.

    .venv/bin/python benchmarks/clinic_push.py [--minutes 20] [--speed 40] [--week 5] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from benchmarks._report import write_section  # noqa: E402
from ras.clinic.config import server_label  # noqa: E402
from ras.clinic.push import (  # noqa: E402
    EVENT_TABLES,
    PATIENT_COLUMNS,
    SESSION_COLUMNS,
    SessionPusher,
    pending_sessions,
)
from ras.clinic.records import sync  # noqa: E402
from ras.clinic.server import ServerUnavailableError, connect_server, ensure_schema  # noqa: E402
from ras.store import Store  # noqa: E402
from tests.clinic.laptops import assert_on_server_as_on_laptop, copy_session  # noqa: E402
from tests.clinic.pg_server import PgServer  # noqa: E402
from tests.conftest import add_patient  # noqa: E402

PATIENT = "P-BENCH-1"
DEFAULT_CHUNK = SessionPusher().chunk_rows
TABLE_ORDER = {t.name: k for k, t in enumerate(EVENT_TABLES)}
_names = itertools.count()


class ClinicServer(PgServer):
    """The tests' PgServer, started with PostgreSQL's default durability (fsync on)."""

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", "log", "-w", "start")


def load() -> float:
    return os.getloadavg()[0]


# ---- the data ------------------------------------------------------------------------------


def quiet_add_patient(db: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        add_patient(db, PATIENT, "--diagnosis", "parkinson")


def record_session(db: Path, minutes: float, speed: float, seed: int) -> tuple[float, float]:
    """A real simulated session of PATIENT on ``db`` that ends 'complete': (speed, wall s)."""
    from ras.cli import main

    third = 180.0
    phases = ("--baseline", f"{third:g}", "--cued", f"{minutes * 60 - 2 * third:g}")
    phases += ("--probe", f"{third:g}")
    while True:
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
        quiet_add_patient(db)
        argv = ["run", "--simulate", "parkinson", "--audio", "none", "--speed", f"{speed:g}"]
        argv += ["--seed", str(seed), "--db", str(db), "--patient", PATIENT, *phases]
        stdin, sys.stdin = sys.stdin, io.StringIO("")
        t0 = time.perf_counter()
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                code = main(argv)
        finally:
            sys.stdin = stdin
        wall_s = time.perf_counter() - t0
        with contextlib.closing(sqlite3.connect(db)) as conn:
            status = conn.execute("SELECT status FROM sessions").fetchone()[0]
        print(f"recorded at {speed:g}x in {wall_s:.1f} s: {status} (exit {code})", flush=True)
        if status == "complete" and code == 0:
            return speed, wall_s
        if speed <= 10:
            raise SystemExit(f"the session ended {status!r} even at {speed:g}x")
        speed = max(10.0, speed / 2)


def table_counts(conn: sqlite3.Connection, session_id: int | None = None) -> dict[str, int]:
    where = "" if session_id is None else f" WHERE session_id = {int(session_id)}"
    return {
        t.name: conn.execute(f"SELECT count(*) FROM {t.name}{where}").fetchone()[0]
        for t in EVENT_TABLES
    }


def make_laptop(path: Path, source: Path, copies: int) -> Path:
    """A laptop file holding PATIENT and ``copies`` copies of the source's session."""
    quiet_add_patient(path)
    for _ in range(copies):
        copy_session(source, 1, path, PATIENT)
    with (
        contextlib.closing(sqlite3.connect(source)) as a,
        contextlib.closing(sqlite3.connect(path)) as b,
    ):
        want = table_counts(a, 1)
        for sid in (1, copies):
            assert table_counts(b, sid) == want, f"copy {sid} differs from the session"
    return path


def table_bytes(db: Path) -> dict[str, int]:
    """Bytes of each event table in the SQLite file, its indexes included (dbstat)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
        out = {t.name: 0 for t in EVENT_TABLES}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            if owner.get(name) in out:
                out[owner[name]] += size
    return out


# ---- pushes --------------------------------------------------------------------------------


def fresh_database(server: PgServer) -> str:
    """A new database holding the ras schema (created outside the timed push)."""
    url = server.create_database(f"clinic_{next(_names)}")
    conn = connect_server(url)
    try:
        ensure_schema(conn)
    finally:
        conn.close()
    return url


def drop_database(server: PgServer, url: str) -> None:
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}"')


def server_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t.name: conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]
            for t in EVENT_TABLES
        }


def push_ras(db: Path, url: str, chunk_rows: int) -> None:
    result = sync(db, url, pusher=SessionPusher(chunk_rows=chunk_rows))
    assert result.waiting == 0 and not result.failed, result.text()


def push_naive(db: Path, url: str) -> None:
    """Every ended session: the patient and session rows, then each event table's rows in one
    executemany INSERT, one transaction per table."""
    server = connect_server(url)
    local = sqlite3.connect(db)
    try:
        sessions = local.execute(
            f"SELECT id, patient_id, {', '.join(SESSION_COLUMNS)} FROM sessions"
            " WHERE status != 'running' ORDER BY started_utc, id"
        ).fetchall()
        for sid, pid, *session in sessions:
            patient = local.execute(
                f"SELECT {', '.join(PATIENT_COLUMNS)} FROM patients WHERE id = ?", (pid,)
            ).fetchone()
            with server.transaction():
                server_pid = server.execute(
                    f"INSERT INTO patients ({', '.join(PATIENT_COLUMNS)})"
                    f" VALUES ({', '.join('?' * len(PATIENT_COLUMNS))})"
                    " ON CONFLICT (pseudo_id) DO UPDATE SET archived = EXCLUDED.archived"
                    " RETURNING id",
                    patient,
                ).fetchone()[0]
                cols = ("patient_id", *SESSION_COLUMNS)
                server_sid = server.execute(
                    f"INSERT INTO sessions ({', '.join(cols)})"
                    f" VALUES ({', '.join('?' * len(cols))}) RETURNING id",
                    (server_pid, *session),
                ).fetchone()[0]
            for t in EVENT_TABLES:
                names = [c for c in t.data_columns if c != "session_id"]
                rows = local.execute(
                    f"SELECT {', '.join(names)} FROM {t.name} WHERE session_id = ? ORDER BY id",
                    (sid,),
                ).fetchall()
                with server.transaction():
                    server.executemany(
                        f"INSERT INTO {t.name} (session_id, {', '.join(names)})"
                        f" VALUES ({', '.join('?' * (len(names) + 1))})",
                        [(server_sid, *r) for r in rows],
                    )
    finally:
        local.close()
        server.close()


def timed_pushes(
    server: PgServer, db: Path, methods: dict[str, Callable[[Path, str], None]], repeat: int
) -> tuple[dict[str, list[float]], list[tuple[float, float]]]:
    """Each method ``repeat`` times, interleaved; every push checked. (times, round loads)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        want = table_counts(conn)
    times: dict[str, list[float]] = {m: [] for m in methods}
    loads = []
    for r in range(repeat):
        before = load()
        for name, push in methods.items():
            url = fresh_database(server)
            t0 = time.perf_counter()
            push(db, url)
            times[name].append(time.perf_counter() - t0)
            got = server_counts(url)
            assert got == want, f"{name}: server {got} != laptop {want}"
            drop_database(server, url)
            print(f"round {r + 1}: {name} {times[name][-1]:.2f} s", flush=True)
        loads.append((before, load()))
    return times, loads


def cut_and_resume(server: PgServer, db: Path, total_rows: int, sessions: int) -> dict:
    """A push stopped (server stopped at once, as a crash) once half the rows are committed,
    then pushed again after a restart; both timed, the server's restart not included. Paired
    with one uninterrupted push of the same file just before (the machine is shared)."""
    url = fresh_database(server)
    t0 = time.perf_counter()
    push_ras(db, url, DEFAULT_CHUNK)
    whole_s = time.perf_counter() - t0
    drop_database(server, url)
    url = fresh_database(server)
    state = {"rows": 0, "last": -1, "stop_s": 0.0, "stopped": False}
    done_of: dict[str, int] = {}

    def stop_half_way(table: str, done: int, total: int) -> None:
        if TABLE_ORDER[table] < state["last"]:  # the next session's first table
            done_of.clear()
        state["last"] = TABLE_ORDER[table]
        state["rows"] += done - done_of.get(table, 0)
        done_of[table] = done
        if not state["stopped"] and state["rows"] >= total_rows / 2:
            t = time.perf_counter()
            server.stop(immediate=True)
            state["stop_s"], state["stopped"] = time.perf_counter() - t, True

    pusher = SessionPusher(on_progress=stop_half_way)
    t0 = time.perf_counter()
    try:
        sync(db, url, pusher=pusher)
    except ServerUnavailableError:
        pass
    else:
        raise AssertionError("the push was not cut off")
    cut_s = time.perf_counter() - t0 - state["stop_s"]
    cut_session = pusher.waiting_[0]
    t = time.perf_counter()
    server.start()
    restart_s = time.perf_counter() - t
    committed = sum(server_counts(url).values())
    t0 = time.perf_counter()
    result = sync(db, url)
    resume_s = time.perf_counter() - t0
    assert result.waiting == 0 and not result.failed, result.text()
    assert len(pusher.pushed_) + result.pushed == sessions, (pusher.pushed_, result.text())
    with contextlib.closing(sqlite3.connect(db)) as local, psycopg.connect(url) as conn:
        for sid, uid in local.execute("SELECT id, uid FROM sessions").fetchall():
            theirs = {
                t.name: conn.execute(
                    f"SELECT count(*) FROM {t.name} e JOIN sessions s ON s.id = e.session_id"
                    " WHERE s.uid = %s",
                    (uid,),
                ).fetchone()[0]
                for t in EVENT_TABLES
            }
            assert theirs == table_counts(local, sid), f"session {sid}: {theirs}"
        assert_on_server_as_on_laptop(db, cut_session, conn)  # row by row, in order
    drop_database(server, url)
    return {
        "whole_s": whole_s,
        "cut_s": cut_s,
        "resume_s": resume_s,
        "restart_s": restart_s,
        "committed": committed,
        "sessions_before_cut": len(pusher.pushed_),
        "resumed_sessions": result.pushed,
        "resumed_rows": result.rows,
    }


def ras_sessions(db: Path, server_url: str) -> tuple[float, str, str]:
    """`ras sessions --db db` as a command (``RAS_SERVER`` = ``server_url``): wall, out, err."""
    env = {**os.environ, "RAS_SERVER": server_url}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ras", "sessions", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    wall_s = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    return wall_s, proc.stdout, proc.stderr


def ras_sessions_in_process(db: Path, server_url: str, sessions: int) -> float:
    """`ras sessions --db db` through ras.cli.main in this process (imports done): wall s."""
    from ras.cli import main

    saved = os.environ.get("RAS_SERVER")
    os.environ["RAS_SERVER"] = server_url
    try:
        with (
            contextlib.redirect_stdout(io.StringIO()) as out,
            contextlib.redirect_stderr(io.StringIO()) as err,
        ):
            t0 = time.perf_counter()
            code = main(["sessions", "--db", str(db)])
            wall_s = time.perf_counter() - t0
    finally:
        if saved is None:
            del os.environ["RAS_SERVER"]
        else:
            os.environ["RAS_SERVER"] = saved
    assert code == 0 and err.getvalue() == "", err.getvalue()
    assert len(out.getvalue().splitlines()) == sessions, out.getvalue()
    return wall_s


def median_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ---- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="walking in the session")
    parser.add_argument("--speed", type=float, default=40.0, help="simulation speed")
    parser.add_argument("--week", type=int, default=5, help="sessions in the week pushed")
    parser.add_argument("--pushed", type=int, default=50, help="sessions for `ras sessions`")
    parser.add_argument("--chunks", default="500,50000", help="further chunk sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    chunks = [int(c) for c in args.chunks.split(",") if c]
    cheap = 3 * args.repeat  # repeats of the sub-second timings of part 4
    t_start = time.perf_counter()
    load_start = load()
    tmp = Path(tempfile.mkdtemp(prefix="ras-bench-clinic-"))
    server = ClinicServer()
    try:
        server.start()
        with psycopg.connect(server.url()) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        source = tmp / "source.sqlite3"
        speed, record_s = record_session(source, args.minutes, args.speed, seed=1)
        week = make_laptop(tmp / "week.sqlite3", source, args.week)
        with contextlib.closing(sqlite3.connect(week)) as conn:
            counts = table_counts(conn)
        sizes = table_bytes(week)
        rows, mb = sum(counts.values()), sum(sizes.values()) / 1e6
        file_mb = week.stat().st_size / 1e6

        # 2. push times
        methods: dict[str, Callable[[Path, str], None]] = {
            "naive": push_naive,
            f"copy {DEFAULT_CHUNK}": lambda d, u: push_ras(d, u, DEFAULT_CHUNK),
        }
        for c in chunks:
            methods[f"copy {c}"] = lambda d, u, c=c: push_ras(d, u, c)
        warm = fresh_database(server)  # page cache, imports, server's first database
        push_ras(week, warm, DEFAULT_CHUNK)
        drop_database(server, warm)
        times, round_loads = timed_pushes(server, week, methods, args.repeat)
        med = {m: statistics.median(v) for m, v in times.items()}

        # 3. cut off half way, then resumed
        resumes = [cut_and_resume(server, week, rows, args.week) for _ in range(args.repeat)]
        resume_load = load()

        # 4. nothing to push: the pending check over --pushed pushed sessions
        many = make_laptop(tmp / "many.sqlite3", source, args.pushed)
        many_url = fresh_database(server)
        t0 = time.perf_counter()
        push_ras(many, many_url, DEFAULT_CHUNK)
        many_push_s = time.perf_counter() - t0
        load_before_sessions = load()
        label = server_label(many_url)
        with Store(many) as store:
            assert pending_sessions(store.connection, label) == []
            pending_s = median_of(cheap, lambda: pending_sessions(store.connection, label))
        assert sync(many, many_url).pushed == 0
        sync_s = median_of(cheap, lambda: sync(many, many_url))
        in_process_s = statistics.median(
            ras_sessions_in_process(many, many_url, args.pushed) for _ in range(cheap)
        )
        walls: dict[str, list[float]] = {"server": [], "local": []}
        for _ in range(cheap):
            for where, url in (("server", many_url), ("local", "")):
                wall_s, out, err = ras_sessions(many, url)
                assert len(out.splitlines()) == args.pushed, out
                assert err == "", err  # nothing pushed, nothing unreachable: no notice
                walls[where].append(wall_s)
        load_end = load()
    finally:
        server.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    total_s = time.perf_counter() - t_start

    # ---- figures --------------------------------------------------------------------------
    n = args.week
    per = {t: counts[t] // n for t in counts}
    lines = [
        f"Data: one `ras run --simulate parkinson` session of {args.minutes:g} min (3 min"
        f" baseline, {args.minutes - 6:g} min cued, 3 min probe; raw IMU at 100 Hz on both feet),"
        f" recorded at {speed:g}x in {record_s:.0f} s and ended `complete` (40x kept every cue"
        f" with two busy processes in 'Simulation speed: keeping up'); a week = {n} copies of"
        f" it in one laptop file (new uids): {rows:,} rows, {mb:.1f} MB of event tables"
        f" (rows and indexes, SQLite dbstat; the file is {file_mb:.1f} MB).",
        "",
        "| table | rows per session | MB per session |",
        "| --- | ---: | ---: |",
    ]
    for t in sorted(counts, key=lambda t: -sizes[t]):
        if counts[t]:
            lines.append(f"| {t} | {per[t]:,} | {sizes[t] / n / 1e6:.2f} |")
    lines.append(f"| **all** | **{rows // n:,}** | **{mb / n:.2f}** |")
    lines += [
        "",
        f"Server: PostgreSQL {pg_version} on this machine (loopback TCP, password auth, fsync and"
        f" synchronous commit on as by default; psycopg {psycopg.__version__}), a new database"
        " per push. Push = `ras.clinic.records.sync`"
        " of the week's laptop file (pending check, pushes, count check, record of the push);"
        " naive = the same rows read the same way, sent with psycopg's `executemany` INSERT"
        " (psycopg 3 pipelines it), one transaction per table and session, nothing counted."
        f" Median of {args.repeat}, the methods interleaved (a round runs each once); every"
        " push checked: each table's row count on the server equals the laptop's.",
        "",
        "| push | chunk rows | s per week (min-max) | s per session | rows/s | MB/s | vs naive |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = ["naive", f"copy {DEFAULT_CHUNK}", *[f"copy {c}" for c in chunks if c != DEFAULT_CHUNK]]
    for m in order:
        s = med[m]
        label_m = "naive executemany" if m == "naive" else "SessionPusher (COPY)"
        if m == f"copy {DEFAULT_CHUNK}":
            label_m += ", default"
        chunk = "table" if m == "naive" else f"{int(m.split()[1]):,}"
        lines.append(
            f"| {label_m} | {chunk} | {s:.2f} ({min(times[m]):.2f}-{max(times[m]):.2f})"
            f" | {s / n:.3f} | {rows / s:,.0f} | {mb / s:.1f} | {med['naive'] / s:.2f}x |"
        )
    lines += [
        "",
        "Load average (1 min) before / after each round: "
        + ", ".join(f"{a:.1f} / {b:.1f}" for a, b in round_loads)
        + " (2 cores).",
    ]
    whole = statistics.median(r["whole_s"] for r in resumes)
    ratio = statistics.median((r["cut_s"] + r["resume_s"]) / r["whole_s"] for r in resumes)
    cut = statistics.median(r["cut_s"] for r in resumes)
    resumed = statistics.median(r["resume_s"] for r in resumes)
    both = statistics.median(r["cut_s"] + r["resume_s"] for r in resumes)
    r0 = resumes[0]
    lines += [
        "",
        f"Cut off half way (default chunks): the server stopped at once (`pg_ctl -m immediate`,"
        " as a crash) from the progress callback once half the week's rows were committed, then"
        f" restarted and pushed again; median of {args.repeat}:",
        "",
        f"- cut-off push {cut:.2f} s + resumed push {resumed:.2f} s = **{both:.2f} s**, against"
        f" {whole:.2f} s for one uninterrupted push timed just before each: **{ratio:.2f}x**"
        " (median of the paired ratios; the server's stop and restart,"
        f" {statistics.median(r['restart_s'] for r in resumes):.1f} s, not included); each"
        " pair, cut-off + resumed / uninterrupted: "
        + ", ".join(
            f"{r['cut_s']:.2f} + {r['resume_s']:.2f} / {r['whole_s']:.2f} s" for r in resumes
        ),
        f"- at the cut the server held {r0['committed']:,} of {rows:,} rows"
        f" ({r0['sessions_before_cut']} session(s) recorded as pushed); the resumed push"
        f" pushed {r0['resumed_sessions']} session(s), {r0['resumed_rows']:,} rows: sent twice"
        f" {r0['committed'] + r0['resumed_rows'] - rows:,} (the cut-off session's phases,"
        " replaced whole on each push)",
        "- every run checked: each session's row count per table on the server equals the"
        " laptop's, and the cut-off session's rows are equal to the laptop's, in order (every"
        f" row once). Load average after: {resume_load:.1f}",
    ]
    srv_wall = statistics.median(walls["server"])
    loc_wall = statistics.median(walls["local"])
    lines += [
        "",
        f"Nothing to push: a laptop file with {args.pushed} pushed sessions"
        f" ({args.pushed} copies of the session, pushed in {many_push_s:.1f} s),"
        f" median of {cheap}, load average {load_before_sessions:.1f} /"
        f" {load_end:.1f}:",
        "",
        f"- the pending check (`pending_sessions`: rows above the marks of the last push, and"
        f" each session's row, patient and phases): **{pending_s * 1000:.0f} ms**"
        f" ({pending_s * 1000 / args.pushed:.2f} ms per session)",
        f"- `sync` with nothing to push (connect, schema check, pending check, patients):"
        f" {sync_s * 1000:.0f} ms",
        f"- `ras sessions` as a command, from start to exit: {srv_wall:.2f} s with the server,"
        f" {loc_wall:.2f} s reading the laptop file only (`RAS_SERVER=`): the server costs"
        f" {(srv_wall - loc_wall) * 1000:+.0f} ms per history read; in this process (imports"
        f" done) {in_process_s * 1000:.0f} ms",
        "",
        f"Whole run {total_s / 60:.1f} min; load average {load_start:.1f} at the start,"
        f" {load_end:.1f} at the end.",
    ]
    body = "\n".join(lines)
    print(body)
    if args.write:
        command = " ".join(
            [".venv/bin/python benchmarks/clinic_push.py"]
            + [
                f"--{k} {v:g}" if isinstance(v, float) else f"--{k} {v}"
                for k, v in (("minutes", args.minutes), ("speed", args.speed))
            ]
            + ([f"--week {args.week}"] if args.week != 5 else [])
            + ([f"--pushed {args.pushed}"] if args.pushed != 50 else [])
            + ([f"--chunks {args.chunks}"] if args.chunks != "500,50000" else [])
            + ([f"--repeat {args.repeat}"] if args.repeat != 3 else [])
            + ["--write"]
        )
        write_section("Clinic server: pushing sessions (PostgreSQL)", body, command)


if __name__ == "__main__":
    main()
