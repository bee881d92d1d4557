"""`openai-files-emulator`: serve the emulator in the foreground."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from .config import EmulatorConfig
from .faults import FaultConfig
from .server import serve

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def byte_rate(text: str) -> int:
    """Parse `250000`, `10M`, `1.5MB` or `8MiB` (per second) into bytes per second."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a byte rate: {text!r}")
    number, unit, suffix = match.groups()
    base = 1024 if suffix and suffix.lower().startswith("i") else 1000
    scale = base ** "_kmg".index(unit.lower()) if unit else 1
    return int(float(number) * scale)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="openai-files-emulator",
        description="A local, stateful emulator of the OpenAI Files, Uploads and Batches APIs.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--data-dir", type=Path, default=None, help="where bodies are spooled (default: a temp dir)"
    )
    p.add_argument("--api-key", action="append", default=[], help="accept only this key (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed for object ids")
    p.add_argument("--log-level", default="info")
    faults = p.add_argument_group("fault injection (on /v1 only; all off by default)")
    faults.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 5xx")
    faults.add_argument(
        "--error-status", type=int, action="append", default=[], help="5xx codes (repeatable)"
    )
    faults.add_argument("--rate-limit-rate", type=float, default=0.0, help="fraction answered 429")
    faults.add_argument("--retry-after", type=float, default=1.0, help="seconds advertised on 429")
    faults.add_argument(
        "--drop-rate", type=float, default=0.0, help="fraction whose connection is cut mid-body"
    )
    faults.add_argument(
        "--cut-rate", type=float, default=0.0, help="fraction whose response body is cut at a seeded byte"
    )
    faults.add_argument("--latency-ms", type=float, default=0.0, help="added to each request")
    faults.add_argument(
        "--bandwidth", type=byte_rate, default=None, help="per-connection cap, e.g. 10MB (per second)"
    )
    faults.add_argument("--fault-seed", type=int, default=0, help="seed for fault decisions")
    faults.add_argument("--fault-path", action="append", default=[], help="fnmatch pattern of paths to fault")
    return p


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    fault_config = FaultConfig(
        error_rate=args.error_rate,
        error_statuses=tuple(args.error_status) or FaultConfig.error_statuses,
        rate_limit_rate=args.rate_limit_rate,
        retry_after=args.retry_after,
        drop_rate=args.drop_rate,
        cut_rate=args.cut_rate,
        latency=args.latency_ms / 1000.0,
        bandwidth=args.bandwidth,
        seed=args.fault_seed,
        paths=tuple(args.fault_path),
    )
    return EmulatorConfig(
        data_dir=args.data_dir, api_keys=frozenset(args.api_key), seed=args.seed, faults=fault_config
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        config = config_from(args)
    except ValueError as exc:
        parser().error(str(exc))
    serve(config, args.host, args.port, args.log_level)


if __name__ == "__main__":
    main()
