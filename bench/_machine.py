"""What every benchmark reads from the machine: its CPU model for the table, a process's peak memory."""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or what `platform` knows elsewhere."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def peak_rss_mib(pid: int | str = "self") -> float:
    """A process's peak resident memory in MiB (VmHWM, the kernel's high-water mark; ru_maxrss would
    include a pre-exec fork's); `pid` "self" is this process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")
