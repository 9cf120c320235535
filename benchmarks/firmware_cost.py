"""Firmware size, stack and per-sample cost: the Cortex-M4F build and the host.

Builds ``make -C firmware qemu bench``: the ARM size report of the core (flash = text + data of
its seven modules, plus the soft-double routines libgcc links in for the detector) and of the
QEMU image (static RAM), and the host benchmark of the C core over 200,000 samples of a
synthetic 200 Hz walk. The deepest stack of the core comes from GCC's own per-function figures
(``-fstack-usage -fcallgraph-info=su`` on the Cortex-M4F build), summed along the call graph
from each function a board port calls. For a ratio measured in the same run, the same detector
in Python (:class:`analysis.causal_events.CausalGaitEventDetector`) runs sample by sample over
the real recording ``imu_sample.csv`` (both feet).

Usage: python benchmarks/firmware_cost.py [--write]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's analysis and tests.datasets (the data setting)

from tests.datasets import GAITMAP_IMU_CSV  # noqa: E402

DATA = GAITMAP_IMU_CSV
FIRMWARE = ROOT / "firmware"
ARM_FLAGS = [
    "-std=c99",
    "-Os",
    "-ffunction-sections",
    "-fdata-sections",
    "-mcpu=cortex-m4",
    "-mthumb",
    "-mfloat-abi=hard",
    "-mfpu=fpv4-sp-d16",
]
#: What a board port calls (firmware/core/ras_sensor.h): the stack is the deepest of these.
ENTRY_POINTS = (
    "ras_sensor_init",
    "ras_sensor_rx",
    "ras_sensor_sample",
    "ras_sensor_poll",
    "ras_sensor_tx",
    "ras_sensor_set_host",
    "ras_sensor_set_battery",
    "ras_sensor_sample_lost",
    "ras_sensor_send_hello",
)
#: Stack allowed for a libgcc routine (soft double: __aeabi_dadd, dmul, ddiv, ...; they push at
#: most six registers) or any other function outside the core.
EXTERNAL_STACK_B = 32


def build() -> str:
    out = subprocess.run(
        ["make", "-s", "-C", str(FIRMWARE), "qemu", "bench", "qemu-bench"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout + out.stderr  # the semihosting console is QEMU's stderr


def soft_double_bytes() -> int:
    """Text bytes of libgcc's double-precision routines linked into the QEMU image (map file)."""
    text = (FIRMWARE / "build" / "qemu" / "ras_fw.map").read_text()
    linked = text.split("Linker script and memory map", 1)[1]  # not the discarded sections
    sizes = re.findall(
        r"^ \.text\s+0x[0-9a-f]+\s+(0x[0-9a-f]+) \S*libgcc\.a\(_arm_\w*df\w*\.o\)", linked, re.M
    )
    return sum(int(size, 16) for size in sizes)


#: The detector's rate capacity of the board builds (QEMU image, XIAO port; firmware/Makefile).
BOARD_MAX_RATE_HZ = 500


def arm_state_bytes(max_rate_hz: int) -> dict[str, int]:
    """sizeof(ras_det_t) and sizeof(ras_sensor_t) as the Cortex-M4F build lays them out, with
    the detector's rings sized for ``max_rate_hz`` (RAS_DET_MAX_RATE_HZ)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, obj = Path(tmp) / "sizes.c", Path(tmp) / "sizes.o"
        src.write_text(
            '#include "ras_sensor.h"\n'
            "char size_det[sizeof(ras_det_t)];\nchar size_sensor[sizeof(ras_sensor_t)];\n"
        )
        subprocess.run(
            [
                "arm-none-eabi-gcc",
                *ARM_FLAGS,
                f"-DRAS_DET_MAX_RATE_HZ={max_rate_hz}",
                f"-I{FIRMWARE / 'core'}",
                "-c",
                str(src),
                "-o",
                str(obj),
            ],
            check=True,
            capture_output=True,
        )
        nm = subprocess.run(
            ["arm-none-eabi-nm", "-S", str(obj)], check=True, capture_output=True, text=True
        ).stdout
    return {name: int(size, 16) for size, name in re.findall(r"\S+ (\S+) \w size_(\w+)", nm)}


def deepest_stack() -> tuple[int, str]:
    """Deepest stack (bytes) from any entry point of the core, and its call path."""
    nodes: dict[str, int] = {}
    edges: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((FIRMWARE / "core").glob("*.c")):
            obj = Path(tmp) / (src.stem + ".o")
            subprocess.run(
                [
                    "arm-none-eabi-gcc",
                    *ARM_FLAGS,
                    f"-DRAS_DET_MAX_RATE_HZ={BOARD_MAX_RATE_HZ}",
                    f"-I{FIRMWARE / 'core'}",
                    "-fstack-usage",
                    "-fcallgraph-info=su",
                    "-c",
                    str(src),
                    "-o",
                    str(obj),
                ],
                check=True,
                capture_output=True,
                cwd=tmp,
            )
            ci = obj.with_suffix(".ci").read_text()
            for title, label in re.findall(r'node: \{ title: "([^"]+)" label: "([^"]+)"', ci):
                m = re.search(r"\\n(\d+) bytes", label)
                if m:
                    nodes[title] = int(m.group(1))
            for a, b in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', ci):
                edges.setdefault(a, set()).add(b)

    def depth(name: str, seen: tuple[str, ...] = ()) -> tuple[int, list[str]]:
        if name in seen:
            raise RuntimeError(f"recursion through {name}: the stack is unbounded")
        own = nodes.get(name, EXTERNAL_STACK_B)
        best, path = 0, []
        for child in edges.get(name, ()):
            d, p = depth(child, (*seen, name))
            if d > best:
                best, path = d, p
        return own + best, [name.rsplit(":", 1)[-1], *path]

    deepest = max((depth(e) for e in ENTRY_POINTS), key=lambda dp: dp[0])
    return deepest[0], " → ".join(deepest[1])


def python_ns_per_sample() -> tuple[float, int]:
    import numpy as np

    from analysis.causal_events import CausalGaitEventDetector
    from analysis.imu_io import load_imu_csv

    feet = load_imu_csv(DATA, sampling_rate_hz=204.8)
    n_total, elapsed_s = 0, 0.0
    for foot in feet.values():
        rows = np.hstack([foot.acc_mps2, foot.gyr_dps]).tolist()
        det = CausalGaitEventDetector(foot.sampling_rate_hz)
        update = det.update
        t0 = time.perf_counter()
        for row in rows:
            update(row[:3], row[3:])
        elapsed_s += time.perf_counter() - t0
        n_total += len(rows)
    return elapsed_s / n_total * 1e9, n_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    text = build()
    bench = dict(re.findall(r"(\w+)=([\d.]+)", text.split("BENCH", 1)[1].splitlines()[0]))
    m4f = dict(re.findall(r"(\w+)=(\d+)", text.split("RAS-QEMU bench", 1)[1].splitlines()[0]))
    totals = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\w+\s+\(TOTALS\)", text, re.M)
    image = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\w+\s+\S*ras_fw\.elf", text, re.M)
    assert totals and image, text
    flash_b = int(totals[1]) + int(totals[2])
    soft_b = soft_double_bytes()
    image_ram_b = int(image[2]) + int(image[3])
    stack_b, stack_path = deepest_stack()
    sizes = arm_state_bytes(BOARD_MAX_RATE_HZ)
    sizes_1k = arm_state_bytes(1000)
    state_b = sizes["sensor"]
    py_ns, py_n = python_ns_per_sample()
    c_ns = float(bench["detector_ns_per_sample"])
    rows = [
        "| figure | value | target |",
        "| --- | --- | --- |",
        f"| core flash, Cortex-M4F -Os (text + data, 7 modules) | {flash_b} B | |",
        f"| + libgcc soft-double routines the detector links in | {soft_b} B | |",
        f"| core flash in all | {flash_b + soft_b} B | < 16 KB |",
        f"| core state: one `ras_sensor_t`, board build (rings for {BOARD_MAX_RATE_HZ} Hz; "
        f"detector {sizes['det']} B) | {state_b} B | |",
        f"| deepest core stack ({stack_path}) | {stack_b} B | |",
        f"| core RAM in all (state + stack), board build | {state_b + stack_b} B | < 4 KB |",
        f"| core RAM in all with rings for 1000 Hz (host builds; detector {sizes_1k['det']} B) "
        f"| {sizes_1k['sensor'] + stack_b} B | |",
        f"| QEMU image static RAM (.data + .bss, with the port) | {image_ram_b} B | |",
        f"| C detector, emulated Cortex-M4F, per sample | "
        f"{int(m4f['detector_instructions_per_sample'])} instructions | |",
        f"| C whole application (detector + frames + CRC + COBS), Cortex-M4F, per sample | "
        f"{int(m4f['app_instructions_per_sample'])} instructions | |",
        f"| C detector, host, per sample | {c_ns:.1f} ns | |",
        f"| C whole application (detector + STEP frames + CRC + COBS), per sample "
        f"| {float(bench['app_ns_per_sample']):.1f} ns | |",
        f"| same detector in Python (analysis.causal_events), per sample | {py_ns:.0f} ns | |",
    ]
    body = "\n".join(
        [
            "Sizes from `arm-none-eabi-size` of `make -C firmware qemu` (state: `sizeof` in the "
            "Cortex-M4F build); stack from GCC's `-fstack-usage -fcallgraph-info=su` on the "
            "Cortex-M4F build, summed along the call graph from each function a port calls "
            f"({EXTERNAL_STACK_B} B allowed for each libgcc routine); host costs from "
            f"`make -C firmware bench` ({int(bench['samples'])} samples of a synthetic 200 Hz "
            f"walk, {int(bench['events'])} events) and, in the same run, the Python detector "
            f"over imu_sample.csv ({py_n} samples, both feet). Cortex-M4F instructions from "
            "`make -C firmware qemu-bench`: the embedded 20 s slice of imu_sample.csv (int16, "
            f"{int(m4f['samples'])} samples with repeats) on QEMU with `-icount shift=0` (one "
            "instruction per ns of virtual time, counted on SysTick: instructions, not cycles).",
            "",
            *rows,
            "",
            f"- C detector / Python detector: {py_ns / c_ns:.0f}x faster per sample.",
            "- The detector forms the gyro energy and the impact's jerk² in double, as the "
            "Python does, so events stay equal (docs/firmware.md); on the M4F (single-precision "
            "FPU) that is software double arithmetic. At one cycle "
            "or two per instruction, "
            f"{int(m4f['app_instructions_per_sample'])} instructions a sample are "
            f"{int(m4f['app_instructions_per_sample']) * 208 / 64e6 * 100:.1f}-"
            f"{int(m4f['app_instructions_per_sample']) * 2 * 208 / 64e6 * 100:.1f} % of a "
            "64 MHz M4F at 208 Hz (QEMU does not model cycles).",
        ]
    )
    print(body)
    if args.write:
        from _report import write_section

        write_section(
            "Firmware size and per-sample cost",
            body,
            ".venv/bin/python benchmarks/firmware_cost.py --write",
        )


if __name__ == "__main__":
    main()
