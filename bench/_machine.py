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


def filesystem(path: Path) -> str:
    """The type of the filesystem `path` is on (`tmpfs`, `ext4`...), from /proc/mounts: a job's time
    depends on whether its files go to memory or to a disk."""
    path = path.resolve()
    best, kind = "", "unknown"
    for line in Path("/proc/mounts").read_text().splitlines():
        _, point, fstype, *_ = line.split()
        if path.is_relative_to(point) and len(point) > len(best):
            best, kind = point, fstype
    return kind
