"""Session database schema, migrations and connection settings.

The schema version is SQLite's ``PRAGMA user_version``. ``MIGRATIONS[i]`` takes a database
from version ``i`` to ``i + 1``; each runs in one transaction together with the version bump,
so a crash mid-migration leaves the previous version intact. Never edit a released migration:
append a new one.

Durability: WAL journal with ``synchronous=NORMAL``. In WAL mode every commit is appended to
the ``-wal`` file before the commit returns, so a crashed or ``kill -9``-ed process loses
nothing it committed (the next opener replays the WAL). NORMAL skips the fsync per commit,
so only an OS crash or power loss can lose the last commits - never corrupt the database.
That keeps commits cheap enough to make several a second during a session.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ras.errors import UserInputError
from ras.store.declaration import DECLARED_MIGRATIONS, FIRST_DECLARED, migration_sql
from ras.store.paths import owner_only_umask, prepare_db_path, secure_db_files

__all__ = [
    "END_STATUSES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "connect",
    "immediate",
    "migrate",
    "schema_version",
]

BUSY_TIMEOUT_MS = 5000

_V1 = """
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    pseudo_id TEXT NOT NULL UNIQUE,
    name TEXT,
    diagnosis TEXT,
    affected_side TEXT CHECK (affected_side IN ('left', 'right', 'both', 'none')),
    created_utc TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    started_utc TEXT NOT NULL,
    settings_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'complete', 'incomplete')),
    ended_utc TEXT,
    notes TEXT,
    writer_pid INTEGER,
    writer_host TEXT
);
CREATE INDEX sessions_patient ON sessions (patient_id, started_utc);
CREATE TABLE phases (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name IN ('baseline', 'cued', 'probe')),
    start_t_s REAL NOT NULL,
    end_t_s REAL
);
CREATE INDEX phases_session_t ON phases (session_id, start_t_s);
CREATE TABLE markers (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX markers_session_t ON markers (session_id, t_s);
CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    sensor_id INTEGER NOT NULL,
    side INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    t_s REAL NOT NULL,
    device_t_us INTEGER NOT NULL,
    received_t_s REAL NOT NULL,
    seq INTEGER NOT NULL,
    stride_index INTEGER NOT NULL,
    clock_error_s REAL,
    stride_time_s REAL,
    stance_time_s REAL,
    stride_length_m REAL,
    clearance_m REAL
);
CREATE INDEX steps_session_t ON steps (session_id, t_s);
CREATE TABLE cues (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    beat_index INTEGER NOT NULL,
    tempo_bpm REAL NOT NULL,
    side INTEGER NOT NULL DEFAULT 0,
    accent INTEGER NOT NULL DEFAULT 0,
    sample_index INTEGER
);
CREATE INDEX cues_session_t ON cues (session_id, t_s);
CREATE TABLE tempo_changes (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    old_bpm REAL,
    new_bpm REAL NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('plan', 'adaptive', 'therapist')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tempo_changes_session_t ON tempo_changes (session_id, t_s);
CREATE TABLE link_events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    port TEXT NOT NULL,
    state TEXT NOT NULL,
    sensor_id INTEGER,
    side INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX link_events_session_t ON link_events (session_id, t_s);
CREATE TABLE sensor_status (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    sensor_id INTEGER NOT NULL,
    side INTEGER NOT NULL DEFAULT 0,
    battery_mv INTEGER,
    battery_pct INTEGER,
    flags INTEGER,
    dropped_samples INTEGER,
    dropped_frames INTEGER,
    lost_frames INTEGER,
    rejected_frames INTEGER,
    clock_residual_s REAL,
    clock_drift_ppm REAL
);
CREATE INDEX sensor_status_session_t ON sensor_status (session_id, t_s);
CREATE TABLE imu_chunks (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    sensor_id INTEGER NOT NULL,
    side INTEGER NOT NULL DEFAULT 0,
    first_t_s REAL NOT NULL,
    rate_hz REAL NOT NULL,
    device_first_t_us INTEGER,
    n INTEGER NOT NULL,
    samples BLOB NOT NULL  -- float32 little-endian, shape (n, 6): acc m/s^2 xyz, gyr deg/s xyz
);
CREATE INDEX imu_chunks_session_t ON imu_chunks (session_id, first_t_s);
"""

# v2: the recorder's heartbeat, so that a session left 'running' by a process on another host
# (a shared database) can be recognised as interrupted when the heartbeat stops.
_V2 = """
ALTER TABLE sessions ADD COLUMN heartbeat_utc TEXT;
"""

# v3: a session can end 'degraded' (it ran to its end, but the cue could not keep up), and says
# why it ended ('end_reason'). SQLite cannot alter a CHECK, so the table is rebuilt (the
# 12-step procedure of https://www.sqlite.org/lang_altertable.html#otheralter); :func:`migrate`
# runs every migration with foreign keys off (a DROP TABLE sessions with them on would delete
# every event through ON DELETE CASCADE) and checks them before the commit.
_V3 = """
CREATE TABLE new_sessions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    started_utc TEXT NOT NULL,
    settings_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'complete', 'incomplete', 'degraded')),
    ended_utc TEXT,
    notes TEXT,
    writer_pid INTEGER,
    writer_host TEXT,
    heartbeat_utc TEXT,
    end_reason TEXT
);
INSERT INTO new_sessions (id, patient_id, started_utc, settings_json, status, ended_utc, notes,
    writer_pid, writer_host, heartbeat_utc)
SELECT id, patient_id, started_utc, settings_json, status, ended_utc, notes, writer_pid,
    writer_host, heartbeat_utc FROM sessions;
DROP TABLE sessions;
ALTER TABLE new_sessions RENAME TO sessions;
CREATE INDEX sessions_patient ON sessions (patient_id, started_utc);
"""

# v4: a tempo change keeps the beat from which the new tempo sounds (``effective_t_s``,
# ras.events.TempoChangeEvent); changes recorded before have it NULL (read back as NaN).
_V4 = """
ALTER TABLE tempo_changes ADD COLUMN effective_t_s REAL;
"""

# v5 (issue 13): the complete clinical record and the patient's details.
# - markers get a ``kind`` (a plain note or a clinical event: fall, near-fall, freezing seen by
#   the therapist, rest, assistance given; ras.events.MarkerKind);
# - cue_states: every start, stop, off, on, pause and resume of the cue (ras.events.CueStateEvent);
# - actions: every therapist action with what became of it (ras.events.ActionEvent);
# - patients: diagnosis from a fixed list (ras.diagnosis.Diagnosis; the free text recorded
#   before is mapped onto it and kept whole in ``diagnosis_note``), year of birth, sex, height
#   and leg length (speed normalisation), and ``archived``. SQLite cannot add a CHECK to a
#   column, so the table is rebuilt as in v3.
_V5 = """
ALTER TABLE markers ADD COLUMN kind TEXT NOT NULL DEFAULT 'note'
    CHECK (kind IN ('note', 'fall', 'near_fall', 'freezing', 'rest', 'assistance'));
CREATE TABLE cue_states (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('start', 'stop', 'off', 'on', 'pause', 'resume')),
    source TEXT NOT NULL CHECK (source IN ('plan', 'therapist', 'system')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cue_states_session_t ON cue_states (session_id, t_s);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    action TEXT NOT NULL,
    ok INTEGER NOT NULL,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX actions_session_t ON actions (session_id, t_s);
CREATE TABLE new_patients (
    id INTEGER PRIMARY KEY,
    pseudo_id TEXT NOT NULL UNIQUE,
    name TEXT,
    diagnosis TEXT CHECK (diagnosis IN ('parkinson', 'stroke', 'other', 'healthy')),
    affected_side TEXT CHECK (affected_side IN ('left', 'right', 'both', 'none')),
    created_utc TEXT NOT NULL,
    diagnosis_note TEXT,
    birth_year INTEGER,
    sex TEXT CHECK (sex IN ('female', 'male', 'other')),
    height_m REAL,
    leg_length_m REAL,
    archived INTEGER NOT NULL DEFAULT 0
);
INSERT INTO new_patients (id, pseudo_id, name, diagnosis, affected_side, created_utc,
    diagnosis_note)
SELECT id, pseudo_id, name,
    CASE
        WHEN diagnosis IS NULL OR trim(diagnosis) = '' THEN NULL
        WHEN lower(diagnosis) LIKE '%parkinson%' OR lower(trim(diagnosis)) = 'pd'
            THEN 'parkinson'
        WHEN lower(diagnosis) LIKE '%stroke%' OR lower(diagnosis) LIKE '%hemipare%'
            THEN 'stroke'
        WHEN lower(diagnosis) LIKE 'healthy%' THEN 'healthy'
        ELSE 'other'
    END,
    affected_side, created_utc,
    CASE WHEN lower(trim(diagnosis)) IN ('parkinson', 'stroke', 'other', 'healthy') THEN NULL
        ELSE diagnosis END
FROM patients;
DROP TABLE patients;
ALTER TABLE new_patients RENAME TO patients;
"""

# v6 (issue 14): the music library. ``songs`` holds what one recording is, analysed once on
# import and kept by the sha256 of its bytes (the audio itself is a file beside the database,
# ras.store.songs); its beat and downbeat times are float64 little-endian blobs (read whole,
# never queried one by one). ``patient_songs`` says whose song it is and how the patient
# feels about it: liked, familiar, avoid (emotionally triggering: never offered).
_V6 = """
CREATE TABLE songs (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    extension TEXT NOT NULL CHECK (extension IN ('wav', 'flac', 'ogg', 'mp3')),
    title TEXT NOT NULL,
    artist TEXT NOT NULL DEFAULT '',
    duration_s REAL NOT NULL,
    sample_rate_hz INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    tempo_bpm REAL,  -- NULL: too few beats to say (read back as NaN)
    tempo_stability_pct REAL,
    beat_confidence REAL,
    usable INTEGER NOT NULL CHECK (usable IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',
    tracker TEXT NOT NULL,
    loudness_lufs REAL NOT NULL,
    peak_dbfs REAL NOT NULL,
    beats_s BLOB NOT NULL,
    downbeats_s BLOB NOT NULL,
    analysed_utc TEXT NOT NULL,
    analysis_s REAL NOT NULL
);
CREATE TABLE patient_songs (
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    song_id INTEGER NOT NULL REFERENCES songs(id) ON DELETE CASCADE,
    liked INTEGER NOT NULL DEFAULT 0 CHECK (liked IN (0, 1)),
    familiar INTEGER NOT NULL DEFAULT 0 CHECK (familiar IN (0, 1)),
    avoid INTEGER NOT NULL DEFAULT 0 CHECK (avoid IN (0, 1)),
    added_utc TEXT NOT NULL,
    PRIMARY KEY (patient_id, song_id)
);
CREATE INDEX patient_songs_song ON patient_songs (song_id);
"""

# v7 (issue 14): music in the clinical record. ``cue_modes``: every switch of what the cue
# sounds like (metronome, music, music+click; ras.events.CueModeEvent); ``song_events``: every
# start, stop and stretch change of a song playing as the cue (ras.events.SongEvent), with its
# title, artist and tempi copied in so the record stands when the song leaves the library (so
# no reference to ``songs``). NaN tempi and confidence are stored as NULL.
_V7 = """
CREATE TABLE cue_modes (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('metronome', 'music', 'music+click')),
    source TEXT NOT NULL CHECK (source IN ('plan', 'therapist', 'system')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cue_modes_session_t ON cue_modes (session_id, t_s);
CREATE TABLE song_events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'stop', 'stretch')),
    song_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    artist TEXT NOT NULL DEFAULT '',
    native_tempo_bpm REAL,
    tempo_bpm REAL,
    stretch_pct REAL,
    beat_confidence REAL,
    source TEXT NOT NULL CHECK (source IN ('plan', 'therapist', 'system')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX song_events_session_t ON song_events (session_id, t_s);
"""

# v8 (issue 14): a second beat tracker's opinion on each song. On import a second tracker
# (essentia, when installed) tracks the song too; ``second_tracker`` names it ('' : no second
# opinion was made, as for every song analysed before v8), ``second_tempo_bpm`` is its tempo,
# ``tracker_agreement`` the F-measure of its beats against the default's at one level, and
# ``trackers_agree`` the verdict (NULL: not checked), so a song the trackers disagree on is
# flagged wherever it is shown (ras.music.second_opinion).
_V8 = """
ALTER TABLE songs ADD COLUMN second_tracker TEXT NOT NULL DEFAULT '';
ALTER TABLE songs ADD COLUMN second_tempo_bpm REAL;
ALTER TABLE songs ADD COLUMN tracker_agreement REAL;
ALTER TABLE songs ADD COLUMN trackers_agree INTEGER CHECK (trackers_agree IN (0, 1));
"""

#: How a session can end (the sessions table's status, besides 'running').
END_STATUSES = ("complete", "incomplete", "degraded")

#: The SQL scripts of versions 1-8, then the declared migrations (ras.store.declaration)
#: rendered for SQLite: the same declaration gives a clinic server's PostgreSQL schema.
_SCRIPTS = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8)
assert len(_SCRIPTS) == FIRST_DECLARED - 1
MIGRATIONS: tuple[str, ...] = (
    *_SCRIPTS,
    *(";\n".join(migration_sql(m, "sqlite")) + ";" for m in DECLARED_MIGRATIONS),
)
SCHEMA_VERSION = len(MIGRATIONS)


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` transaction on an autocommit connection: committed at the end
    of the block, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's schema version (``PRAGMA user_version``)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    """The SQL statements of a script, one by one (``executescript`` would commit first)."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\r\n;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \t\r\n;"):
        raise sqlite3.OperationalError(f"incomplete SQL statement in a migration: {buf.strip()!r}")
    return out


def migrate(
    conn: sqlite3.Connection, path: Path | str = "", migrations: tuple[str, ...] = MIGRATIONS
) -> int:
    """Bring the database up to ``len(migrations)``; return the number of migrations applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Each migration runs in its
    own ``BEGIN IMMEDIATE`` transaction with its version bump.
    """
    target = len(migrations)
    applied = 0
    while True:
        version = schema_version(conn)
        if version > target:
            raise UserInputError(
                f"session database {path} has schema version {version}, newer than this ras "
                f"understands ({target}); upgrade ras to open it"
            )
        if version == target:
            return applied
        # Foreign keys cannot be switched inside a transaction: off around the migration (a
        # table rebuild must not cascade), checked before its commit, then as they were.
        fk_on = bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            # Another process may have migrated meanwhile: re-check inside the lock.
            conn.execute("BEGIN IMMEDIATE")
            if schema_version(conn) != version:
                conn.execute("COMMIT")
                continue
            for statement in _statements(migrations[version]):  # inside this transaction
                conn.execute(statement)
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(
                    f"migration to schema version {version + 1} broke {len(broken)} references"
                    f" (first: {broken[0]})"
                )
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute(f"PRAGMA foreign_keys = {'ON' if fk_on else 'OFF'}")
        applied += 1


def connect(
    path: str | Path | None = None, *, check_same_thread: bool = True
) -> tuple[sqlite3.Connection, Path]:
    """Open (creating if needed) the session database with our settings and schema.

    Returns
    -------
    (sqlite3.Connection, Path)
        Autocommit connection (manage transactions with BEGIN/COMMIT) and the database path.

    Raises
    ------
    UserInputError
        The path cannot be used, is not a SQLite database, or has a newer schema.
    """
    db_path = prepare_db_path(path)
    try:
        with owner_only_umask():
            conn = sqlite3.connect(
                db_path, isolation_level=None, check_same_thread=check_same_thread
            )
    except sqlite3.Error as exc:
        raise UserInputError(f"cannot open session database {db_path}: {exc}") from None
    try:
        with owner_only_umask():
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise UserInputError(
                    f"cannot use session database {db_path}: WAL journal not supported there "
                    f"(got {mode!r}; network file systems often cannot do it)"
                )
            conn.execute("PRAGMA synchronous = NORMAL")  # see module docstring
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, db_path)
        secure_db_files(db_path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise UserInputError(f"cannot open session database {db_path}: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return conn, db_path
