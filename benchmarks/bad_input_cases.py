"""The bad-input probe's table: what an adversarial but fair user types into every ras command.

Each :class:`Case` is one ``python -m ras ...`` command line with placeholders filled in by the
runner (benchmarks/bad_input_probe.py) for the case's own folder:

- ``{dir}``: the case's folder (its HOME, TMPDIR and RAS_DB live inside it);
- ``{db}``: ``{dir}/ras.sqlite3``, a copy of a database with patient ``P-1`` and one complete
  session (id 1) when ``needs`` holds ``"session"``, else a fresh path;
- ``{data}``: the folder of analyse input files (:data:`ANALYSE_FILES`, made once per probe);
- ``{pty}``: a pseudo-terminal whose other end sends random bytes (not a sensor);
- ``{small}``: a small tmpfs mounted in the case's folder (``needs`` holds ``"tmpfs:SIZE"``).

``expect`` is ``"error"`` (the input is bad: a non-zero exit with one clean line is right),
``"ok"`` (valid input that must work) or ``"either"`` (both are defensible).
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

__all__ = ["ANALYSE_FILES", "BAD_NUMBERS", "CASES", "Case", "quick_cases", "simulated_run"]

_SIMULATED_RUN = ("run", "--simulate", "healthy", "--audio", "none", "--speed")


def simulated_run(speed: str, *options: str, db: str = "{db}") -> tuple[str, ...]:
    """``ras run`` of a simulated healthy walker, no audio, at ``speed`` times real time, with
    ``options`` and the database ``db`` last (a placeholder path)."""
    return (*_SIMULATED_RUN, speed, *options, "--db", db)


#: A short simulated session: every phase at its minimum, 20x real time (about 1 s of wall time).
SHORT_RUN = simulated_run("20", "--baseline", "5", "--cued", "5", "--probe", "5")
SHORT_MONITOR = ("monitor", "--simulate", "healthy", "--speed", "20", "--duration", "5")


@dataclass(frozen=True)
class Case:
    """One probe command line and what a careful program does with it.

    Attributes
    ----------
    case_id : str
        Unique, stable name (the per-case CSV and the quick list use it).
    group : str
        Row of the summary table (e.g. "numbers: run").
    argv : tuple of str
        Arguments after ``python -m ras``, with placeholders.
    expect : str
        "error", "ok" or "either".
    needs : tuple of str
        Fixtures: "session", "pty", "tmpfs:SIZE" (e.g. "tmpfs:400k").
    out : str
        A file the command must not leave behind when it fails (placeholder path), or "".
    send : tuple of (int, float) or None
        A signal sent to the command this many seconds after it started.
    check_cells : bool
        After the command: no CSV/TSV cell under ``{dir}`` may start with a formula character.
    setup : tuple of tuple of str
        ras commands run first (their outcome is not classified).
    fill_after_s : float or None
        This many seconds after the start, another process fills ``{small}`` (a disk that
        fills during the session, after any free-space check at its start).
    timeout_s : float
        Wall time after which the command is interrupted (Ctrl-C, then killed).
    """

    case_id: str
    group: str
    argv: tuple[str, ...]
    expect: str = "error"
    needs: tuple[str, ...] = ()
    out: str = ""
    send: tuple[int, float] | None = None
    check_cells: bool = False
    setup: tuple[tuple[str, ...], ...] = ()
    fill_after_s: float | None = None
    timeout_s: float = 30.0


#: Bad values for every numeric option (passed as ``--opt=VALUE`` so argparse never mistakes
#: ``-inf`` for an option).
BAD_NUMBERS: dict[str, str] = {
    "nan": "nan",
    "inf": "inf",
    "neginf": "-inf",
    "minus1": "-1",
    "zero": "0",
    "huge": "1e300",
    "int20": "12345678901234567890",
    "empty": "",
    "word": "abc",
    "comma": "1,5",
}

#: (command, option, base argv, values that are valid for this option, "either" values)
_NUMERIC_OPTIONS: tuple[tuple[str, str, tuple[str, ...], set[str], set[str]], ...] = (
    ("run", "--seed", SHORT_RUN, {"zero"}, {"int20"}),
    ("run", "--imu-rate", SHORT_RUN, {"zero"}, set()),
    ("run", "--target-pct", SHORT_RUN, set(), {"zero", "minus1"}),
    ("run", "--target-bpm", SHORT_RUN, set(), set()),
    ("run", "--step-pct", SHORT_RUN, set(), set()),
    ("run", "--tempo", SHORT_RUN, set(), set()),
    ("run", "--baseline", SHORT_RUN, set(), set()),
    ("run", "--cued", SHORT_RUN, set(), {"zero"}),
    ("run", "--probe", SHORT_RUN, set(), {"zero"}),
    ("run", "--speed", SHORT_RUN, set(), set()),
    ("run", "--level", SHORT_RUN, set(), {"zero", "minus1"}),
    ("run", "--ceiling", SHORT_RUN, set(), {"zero", "minus1"}),
    ("monitor", "--seed", SHORT_MONITOR, {"zero"}, {"int20"}),
    ("monitor", "--speed", SHORT_MONITOR, set(), set()),
    ("monitor", "--imu-rate", SHORT_MONITOR, {"zero"}, set()),
    ("monitor", "--duration", SHORT_MONITOR, set(), set()),
    ("devices", "--timeout", ("devices",), set(), set()),
    (
        "analyse",
        "--sampling-rate-hz",
        ("analyse", "{data}/walk.csv", "--out", "{dir}"),
        set(),
        set(),
    ),
    ("analyse", "--max-fill-s", ("analyse", "{data}/walk.csv", "--out", "{dir}"), set(), {"zero"}),
)


def _set_option(base: tuple[str, ...], option: str, value: str) -> tuple[str, ...]:
    """``base`` with ``option`` replaced (or appended) as ``--opt=value``."""
    out: list[str] = []
    skip = False
    for arg in base:
        if skip:
            skip = False
            continue
        if arg == option:
            skip = True
            continue
        out.append(arg)
    return (*out, f"{option}={value}")


def _numeric_cases() -> list[Case]:
    cases = []
    for command, option, base, valid, either in _NUMERIC_OPTIONS:
        for name, value in BAD_NUMBERS.items():
            expect = "ok" if name in valid else "either" if name in either else "error"
            cases.append(
                Case(
                    f"{command}{option}={name}",
                    f"numbers: {command}",
                    _set_option(base, option, value),
                    expect,
                )
            )
    return cases


#: Bad output/input paths: (name, path, expect for a database path)
_BAD_PATHS: tuple[tuple[str, str], ...] = (
    ("missing-dir", "{dir}/no/such/folder/f"),
    ("directory", "{dir}"),
    ("unwritable", "/proc/ras-probe-f"),
    ("symlink-dev-full", "{dir}/link-to-full"),
    ("dev-full", "/dev/full"),
    ("control-chars", "{dir}/a\x1b]0;owned\x07b\nc"),
    ("long-5000", "{dir}/" + "x" * 5000),
    ("empty", ""),
)

#: (case prefix, argv with "PATH" where the bad path goes, needs, path is an output file)
_PATH_TARGETS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...] = (
    ("run--db", (*SHORT_RUN[:-1], "PATH"), (), False),
    ("run--audio-wav", (*SHORT_RUN[:4], "wav:PATH", *SHORT_RUN[5:]), (), True),
    ("sessions--db", ("sessions", "--db", "PATH"), (), False),
    ("patients--db", ("patients", "--db", "PATH", "--add", "P-2"), (), False),
    ("report--pdf", ("report", "1", "--db", "{db}", "--pdf", "PATH"), ("session",), True),
    ("report--db", ("report", "1", "--db", "PATH", "--pdf", "{dir}/r.pdf"), (), False),
    (
        "export--out",
        ("export", "1", "--format", "csv", "--db", "{db}", "--out", "PATH"),
        ("session",),
        False,
    ),
    (
        "export--db",
        ("export", "1", "--format", "csv", "--db", "PATH", "--out", "{dir}/ex"),
        (),
        False,
    ),
    ("analyse--out", ("analyse", "{data}/walk.csv", "--out", "PATH"), (), False),
)


#: Folders are what an --out of export and analyse asks for.
_FOLDER_TARGETS = ("export--out", "analyse--out")


def _path_expect(target: str, name: str) -> str:
    """A missing folder may be created and any byte but / and NUL is a Linux file name."""
    if name == "directory" and target in _FOLDER_TARGETS:
        return "ok"
    return "either" if name in ("missing-dir", "control-chars") else "error"


def _path_cases() -> list[Case]:
    cases = []
    for prefix, argv, needs, is_file in _PATH_TARGETS:
        for name, path in _BAD_PATHS:
            filled = tuple(a.replace("PATH", path) for a in argv)
            out = path if is_file and path.startswith("{dir}/") and name != "directory" else ""
            group = f"paths: {prefix.split('-')[0]}"
            cases.append(
                Case(f"{prefix}:{name}", group, filled, _path_expect(prefix, name), needs, out)
            )
    return cases


#: Analyse input files made by the probe in ``{data}``: name -> what it is.
ANALYSE_FILES: dict[str, str] = {
    "walk.csv": "a valid two-foot ras-imu file (the gaitmap example walk)",
    "bom.csv": "walk.csv with a UTF-8 BOM, as spreadsheets save CSV",
    "crlf.csv": "walk.csv with CRLF line ends",
    "empty.csv": "0 bytes",
    "binary.csv": "4 kB of random bytes",
    "truncated.csv": "walk.csv cut in the middle of a row",
    "bigfield.csv": "walk.csv with one 131 kB field",
    "wrong-header.csv": "columns named in rad/s",
    "nan-columns.csv": "every left gyro value NaN",
    "noise.csv": "white-noise gyro and acceleration, 60 s",
    "one-sample.csv": "the header and one row",
    "header-only.csv": "the header and no row",
    "backwards-time.csv": "t_s going backwards in the middle",
    "huge-values.csv": "values of 1e300",
    "semicolon.csv": "walk.csv with ; separators and decimal commas",
    "latin1.csv": "a Latin-1 comment line",
    "no-rate.csv": "walk.csv without its sampling-rate line",
}

_ANALYSE_EXPECT = {
    "walk.csv": "ok",
    "bom.csv": "ok",
    "crlf.csv": "ok",
    "truncated.csv": "either",
    "nan-columns.csv": "either",  # the other foot is analysed, with a warning
    "latin1.csv": "either",
}


def _analyse_cases() -> list[Case]:
    cases = [
        Case(
            f"analyse:{name}",
            "files: analyse",
            ("analyse", f"{{data}}/{name}", "--out", "{dir}"),
            _ANALYSE_EXPECT.get(name, "error"),
        )
        for name in ANALYSE_FILES
    ]
    cases += [
        Case("analyse:missing", "files: analyse", ("analyse", "{dir}/nope.csv", "--out", "{dir}")),
        Case("analyse:directory", "files: analyse", ("analyse", "{dir}", "--out", "{dir}")),
        Case("analyse:dev-null", "files: analyse", ("analyse", "/dev/null", "--out", "{dir}")),
        Case(
            "analyse:format-bad",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--format", "xml", "--out", "{dir}"),
        ),
        Case(
            "analyse:format-empty",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--format", "", "--out", "{dir}"),
        ),
        Case(
            "analyse:rotation-missing",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--rotation", "{dir}/none.json", "--out", "{dir}"),
        ),
        Case(
            "analyse:rotation-binary",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--rotation", "{data}/binary.csv", "--out", "{dir}"),
        ),
        Case(
            "analyse:rotation-deg-nan",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--rotation-deg=nan,0,0", "--out", "{dir}"),
        ),
        Case(
            "analyse:rotation-deg-short",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--rotation-deg=1,2", "--out", "{dir}"),
        ),
        Case(
            "analyse:rate-disagrees",
            "files: analyse",
            ("analyse", "{data}/walk.csv", "--sampling-rate-hz", "100", "--out", "{dir}"),
        ),
    ]
    return cases


_IDS: dict[str, str] = {
    "zero": "0",
    "minus1": "-1",
    "int20": "12345678901234567890",
    "2pow63": str(2**63),
    "missing": "999",
    "word": "abc",
    "empty": "",
    "float": "1.5",
    "spaced": " 1 ",
    "hex": "0x1",
}


def _id_cases() -> list[Case]:
    cases = []
    for name, sid in _IDS.items():
        cases.append(
            Case(
                f"report:id-{name}",
                "ids: report",
                ("report", "--db={db}", "--pdf={dir}/r.pdf", "--", sid),
                "either" if name == "spaced" else "error",
                ("session",),
                "{dir}/r.pdf",
            )
        )
        cases.append(
            Case(
                f"export:id-{name}",
                "ids: export",
                ("export", "--format=csv", "--db={db}", "--out={dir}/ex", "--", sid),
                "either" if name == "spaced" else "error",
                ("session",),
            )
        )
    cases += [
        Case(
            "report:patient-missing",
            "ids: report",
            ("report", "--patient", "NOPE", "--db", "{db}", "--pdf", "{dir}/r.pdf"),
            "error",
            ("session",),
            "{dir}/r.pdf",
        ),
        Case(
            "report:both",
            "ids: report",
            ("report", "1", "--patient", "P-1", "--db", "{db}", "--pdf", "{dir}/r.pdf"),
            "error",
            ("session",),
            "{dir}/r.pdf",
        ),
        Case(
            "report:neither",
            "ids: report",
            ("report", "--db", "{db}", "--pdf", "{dir}/r.pdf"),
            "error",
            ("session",),
            "{dir}/r.pdf",
        ),
        Case(
            "export:format-bad",
            "ids: export",
            ("export", "1", "--format", "xls", "--db", "{db}", "--out", "{dir}/ex"),
            "error",
            ("session",),
        ),
        Case(
            "sessions:patient-missing",
            "ids: sessions",
            ("sessions", "--patient", "NOPE", "--db", "{db}"),
            "either",
            ("session",),
        ),
        Case("run:patient-missing", "ids: run", (*SHORT_RUN, "--patient", "NOPE"), "error"),
        Case(
            "run:preset-bad",
            "ids: run",
            ("run", "--simulate", "zombie", "--audio", "none", "--db", "{db}"),
        ),
        Case("run:plan-bad", "ids: run", (*SHORT_RUN, "--plan", "fastest")),
        Case("run:audio-bad", "ids: run", (*SHORT_RUN[:4], "loud", *SHORT_RUN[5:])),
        Case(
            "run:audio-device-missing",
            "ids: run",
            (*SHORT_RUN[:4], "device:no-such-card", *SHORT_RUN[5:]),
        ),
        Case("run:sensor-steps-bad", "ids: run", (*SHORT_RUN, "--sensor-steps", "foot")),
        Case("run:set-bad", "ids: run", (*SHORT_RUN, "--set", "cadence_spm=fast")),
        Case("run:set-unknown", "ids: run", (*SHORT_RUN, "--set", "wings=2")),
        Case("run:set-nan", "ids: run", (*SHORT_RUN, "--set", "cadence_spm=nan")),
        Case("run:set-no-equals", "ids: run", (*SHORT_RUN, "--set", "cadence_spm")),
        Case(
            "run:target-bpm-and-pct",
            "ids: run",
            (*SHORT_RUN, "--target-bpm", "120", "--target-pct", "5"),
            "either",
        ),
        Case(
            "run:level-above-ceiling",
            "ids: run",
            (*SHORT_RUN, "--level=-3", "--ceiling=-20"),
            "either",
        ),
        Case("monitor:events-bad", "ids: monitor", (*SHORT_MONITOR, "--events", "heel")),
        Case(
            "monitor:preset-bad",
            "ids: monitor",
            ("monitor", "--simulate", "zombie", "--duration", "5"),
        ),
        Case("monitor:set-unknown", "ids: monitor", (*SHORT_MONITOR, "--set", "wings=2")),
        Case(
            "monitor:sensor-steps-bad", "ids: monitor", (*SHORT_MONITOR, "--sensor-steps", "foot")
        ),
    ]
    return cases


_COMMANDS = (
    "run",
    "monitor",
    "sessions",
    "patients",
    "report",
    "export",
    "analyse",
    "devices",
    "gui",
    "music",
)


def _argument_cases() -> list[Case]:
    cases = [Case(f"{c}:unknown-option", "arguments", (c, "--bogus")) for c in _COMMANDS]
    cases += [Case(f"{c}:help", "arguments", (c, "--help"), "ok") for c in _COMMANDS]
    cases += [
        Case("ras:no-command", "arguments", ()),
        Case("ras:unknown-command", "arguments", ("bogus",)),
        Case("ras:version", "arguments", ("--version",), "ok"),
        Case("ras:help", "arguments", ("--help",), "ok"),
        Case("run:no-source", "arguments", ("run", "--audio", "none", "--db", "{db}")),
        Case(
            "run:both-sources",
            "arguments",
            ("run", "--simulate", "healthy", "--port", "/dev/null", "--db", "{db}"),
        ),
        Case("monitor:no-source", "arguments", ("monitor",)),
        Case("report:no-pdf", "arguments", ("report", "1", "--db", "{db}"), "error", ("session",)),
        Case(
            "export:no-out",
            "arguments",
            ("export", "1", "--format", "csv", "--db", "{db}"),
            "error",
            ("session",),
        ),
        Case("analyse:no-file", "arguments", ("analyse",)),
        Case(
            "patients:name-without-add", "arguments", ("patients", "--db", "{db}", "--name", "Jo")
        ),
        Case(
            "patients:diagnosis-without-add",
            "arguments",
            ("patients", "--db", "{db}", "--diagnosis", "stroke"),
        ),
        Case("patients:add-empty", "arguments", ("patients", "--db", "{db}", "--add", "")),
        Case("patients:add-spaces", "arguments", ("patients", "--db", "{db}", "--add", "   ")),
        Case(
            "patients:add-duplicate",
            "arguments",
            ("patients", "--db", "{db}", "--add", "P-1"),
            "error",
            ("session",),
        ),
        Case(
            "export:out-empty",
            "arguments",
            ("export", "1", "--format", "csv", "--db", "{db}", "--out", ""),
            "error",
            ("session",),
        ),
        Case(
            "report:pdf-empty",
            "arguments",
            ("report", "1", "--db", "{db}", "--pdf", ""),
            "error",
            ("session",),
        ),
    ]
    return cases


ESC_TITLE = "\x1b]0;owned\x07"
ESC_RED = "\x1b[31mred\x1b[0m"
FORMULAS = ('=HYPERLINK("x")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0")


def _text_cases() -> list[Case]:
    cases = []
    for name, text in (("esc-title", ESC_TITLE), ("esc-color", ESC_RED), ("bel", "a\x07b")):
        cases += [
            Case(
                f"patients:id-{name}",
                "text",
                ("patients", "--db", "{db}", "--add", f"P{text}"),
                "either",
            ),
            Case(
                f"patients:diagnosis-{name}",
                "text",
                ("patients", "--db", "{db}", "--add", "P-9", "--diagnosis", text),
                "either",
            ),
            Case(
                f"patients:name-{name}",
                "text",
                ("patients", "--db", "{db}", "--add", "P-9", "--name", text),
                "either",
            ),
            Case(f"run:patient-{name}", "text", (*SHORT_RUN, "--patient", text)),
            Case(
                f"run:preset-{name}",
                "text",
                ("run", "--simulate", text, "--audio", "none", "--db", "{db}"),
            ),
            Case(f"monitor:events-{name}", "text", (*SHORT_MONITOR, "--events", text)),
            Case(
                f"export:format-{name}",
                "text",
                ("export", "1", "--format", text, "--db", "{db}", "--out", "{dir}/ex"),
                "error",
                ("session",),
            ),
            Case(
                f"sessions:patient-{name}",
                "text",
                ("sessions", "--db", "{db}", "--patient", text),
                "either",
            ),
            Case(
                f"analyse:file-{name}", "text", ("analyse", f"{{dir}}/{text}.csv", "--out", "{dir}")
            ),
        ]
    # an echo of a stored diagnosis: `ras patients` lists it back
    cases.append(
        Case(
            "patients:list-stored-escape",
            "text",
            ("patients", "--db", "{db}"),
            "ok",
            setup=(("patients", "--db", "{db}", "--add", "P-E", "--diagnosis", ESC_TITLE),),
        )
    )
    long_text = "x" * 100_000
    cases += [
        Case(
            "patients:name-100k",
            "text",
            ("patients", "--db", "{db}", "--add", "P-9", "--name", long_text),
        ),
        Case(
            "patients:diagnosis-100k",
            "text",
            ("patients", "--db", "{db}", "--add", "P-9", "--diagnosis", long_text),
        ),
        Case("patients:id-100k", "text", ("patients", "--db", "{db}", "--add", long_text)),
    ]
    for i, formula in enumerate(FORMULAS):
        cases.append(
            _formula_export_case(
                f"diagnosis-formula-{i}", "csv", "--diagnosis=other", f"--diagnosis-note={formula}"
            )
        )
    cases.append(
        _formula_export_case(
            "bids-diagnosis-formula", "bids", "--diagnosis=other", f"--diagnosis-note={FORMULAS[0]}"
        )
    )
    return cases


def _formula_export_case(name: str, export_format: str, *diagnosis: str) -> Case:
    """Export in ``export_format`` a session of a patient added with the ``diagnosis``
    arguments (a formula in the free-text note): no cell written may start with a formula
    character."""
    return Case(
        f"export:{name}",
        "text: formula injection",
        ("export", "1", "--format", export_format, "--db", "{db}", "--out", "{dir}/ex"),
        "ok",
        check_cells=True,
        setup=(
            ("patients", "--db", "{db}", "--add", "P-F", *diagnosis),
            (*SHORT_RUN, "--patient", "P-F"),
        ),
    )


_NOT_SENSORS: tuple[tuple[str, str], ...] = (
    ("dev-null", "/dev/null"),
    ("regular-file", "{data}/walk.csv"),
    ("directory", "{dir}"),
    ("missing", "{dir}/ttyNOPE"),
    ("garbage-pty", "{pty}"),
    ("empty", ""),
    ("refused-socket", "socket://127.0.0.1:9"),
)


def _port_cases() -> list[Case]:
    cases = []
    for name, port in _NOT_SENSORS:
        needs = ("pty", "session") if name == "garbage-pty" else ("session",)
        cases += [
            Case(
                f"run--port:{name}",
                "ports",
                (
                    "run",
                    "--port",
                    port,
                    "--patient",
                    "P-1",
                    "--audio",
                    "none",
                    "--db",
                    "{db}",
                    "--baseline",
                    "5",
                    "--cued",
                    "5",
                    "--probe",
                    "5",
                ),
                "error",
                needs,
            ),
            Case(
                f"monitor--port:{name}",
                "ports",
                ("monitor", "--port", port, "--duration", "3"),
                "error",
                needs,
            ),
            Case(
                f"devices:{name}", "ports", ("devices", "--timeout", "0.5", port), "either", needs
            ),
        ]
    cases.append(
        Case(
            "run--port:same-twice",
            "ports",
            (
                "run",
                "--port",
                "/dev/null",
                "--port",
                "/dev/null",
                "--audio",
                "none",
                "--db",
                "{db}",
            ),
        )
    )
    return cases


def _fault_cases() -> list[Case]:
    cases = []
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        name = sig.name.lower()
        cases += [
            Case(
                f"run:{name}",
                "faults: signals",
                simulated_run("5"),
                "error",
                send=(sig, 3.0),
            ),
            Case(
                f"run-imu:{name}",
                "faults: signals",
                simulated_run("5", "--imu-rate", "100"),
                "error",
                send=(sig, 3.0),
            ),
            Case(
                f"monitor:{name}",
                "faults: signals",
                ("monitor", "--simulate", "healthy", "--speed", "5"),
                "either",  # a signal is how a monitor without --duration ends
                send=(sig, 3.0),
            ),
        ]
    cases += [
        Case(
            "run:disk-full",
            "faults: disk full",
            simulated_run(
                "20",
                *("--imu-rate", "100", "--baseline", "20", "--cued", "140", "--probe", "20"),
                db="{small}/ras.sqlite3",
            ),
            "error",
            ("tmpfs:400k",),
            timeout_s=60,
        ),
        Case(
            "run:disk-fills-mid-session",
            "faults: disk full",
            (*SHORT_RUN[:-1], "{small}/ras.sqlite3", "--imu-rate", "100", "--cued", "60"),
            "error",
            ("tmpfs:8m",),
            fill_after_s=2.0,
            timeout_s=60,
        ),
        Case(
            "report:disk-full",
            "faults: disk full",
            ("report", "1", "--db", "{db}", "--pdf", "{small}/r.pdf"),
            "error",
            ("session", "tmpfs:32k"),
            "{small}/r.pdf",
        ),
        Case(
            "export:disk-full",
            "faults: disk full",
            ("export", "1", "--format", "json", "--db", "{db}", "--out", "{small}/ex"),
            "error",
            ("session", "tmpfs:8k"),
        ),
        Case(
            "analyse:disk-full",
            "faults: disk full",
            ("analyse", "{data}/walk.csv", "--out", "{small}"),
            "error",
            ("tmpfs:16k",),
        ),
        Case(
            "run:speed-60-long",
            "faults: speed",
            (
                "run",
                "--simulate",
                "healthy",
                "--audio",
                "none",
                "--speed",
                "60",
                "--baseline",
                "60",
                "--cued",
                "480",
                "--probe",
                "60",
                "--db",
                "{db}",
            ),
            "either",
            timeout_s=60,
        ),
        Case(
            "monitor:speed-inf",
            "faults: speed",
            ("monitor", "--simulate", "healthy", "--speed", "inf", "--duration", "2"),
            "error",
            timeout_s=15,
        ),
        Case(
            "run:wav-dev-full",
            "faults: disk full",
            (*SHORT_RUN[:4], "wav:/dev/full", *SHORT_RUN[5:]),
        ),
    ]
    return cases


def _music_cases() -> list[Case]:
    """``ras music`` (issue 14): song files that are not songs, unknown patients and songs."""

    def music(case: str, *argv: str) -> Case:
        return Case(f"music:{case}", "files: music", ("music", *argv, "--db", "{db}"), "error",
                    ("session",))  # fmt: skip

    add = ("add", "--patient", "P-1")
    return [
        music("add-missing", *add, "{dir}/nope.mp3"),
        music("add-not-audio", *add, "{data}/binary.csv"),
        music("add-csv", *add, "{data}/walk.csv"),
        music("add-dev-null", *add, "/dev/null"),
        music("add-directory", *add, "{dir}"),
        music("add-unknown-patient", "add", "--patient", "P-9", "{data}/binary.csv"),
        music("add-title-esc-title", *add, "{data}/binary.csv", "--title", ESC_TITLE),
        music("remove-unknown-song", "remove", "nothing", "--patient", "P-1"),
        music("set-nothing", "set", "nothing", "--patient", "P-1"),
        music("list-all-without-patient", "list", "--all"),
    ]


CASES: tuple[Case, ...] = tuple(
    _numeric_cases()
    + _path_cases()
    + _analyse_cases()
    + _id_cases()
    + _argument_cases()
    + _text_cases()
    + _port_cases()
    + _fault_cases()
    + _music_cases()
)

#: The suite's representative subset (tests/faults/test_probe_quick.py): one or two of each kind.
QUICK_IDS: tuple[str, ...] = (
    "run--seed=minus1",
    "run--speed=inf",
    "run--cued=huge",
    "run--imu-rate=int20",
    "monitor--seed=minus1",
    "monitor--speed=inf",
    "devices--timeout=nan",
    "run--db:directory",
    "report--pdf:dev-full",
    "report--pdf:symlink-dev-full",
    "export--out:symlink-dev-full",
    "analyse--out:unwritable",
    "sessions--db:long-5000",
    "analyse:bom.csv",
    "analyse:bigfield.csv",
    "analyse:binary.csv",
    "report:id-int20",
    "export:id-2pow63",
    "run:preset-bad",
    "run:unknown-option",
    "ras:unknown-command",
    "patients:add-empty",
    "export:out-empty",
    "patients:diagnosis-esc-title",
    "patients:list-stored-escape",
    "patients:diagnosis-100k",
    "run:patient-esc-title",
    "export:diagnosis-formula-0",
    "run--port:dev-null",
    "run--port:garbage-pty",
    "run:sigterm",
    "run:sighup",
    "monitor:speed-inf",
)


def quick_cases() -> tuple[Case, ...]:
    """The representative subset the suite runs (about 40 cases)."""
    by_id = {c.case_id: c for c in CASES}
    return tuple(by_id[i] for i in QUICK_IDS)
