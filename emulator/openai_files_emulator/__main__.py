"""`openai-files-emulator`: serve the emulator in the foreground."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from .batches.settings import PACES, BatchConfig
from .config import EmulatorConfig
from .faults import FaultConfig
from .server import serve
from .webhooks import SECRET_ENV, WebhookConfig

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)?", re.IGNORECASE)


def byte_rate(text: str) -> int:
    """Parse `250000`, `10M`, `1.5MB` or `8MiB` (per second) into bytes per second."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a byte rate: {text!r}")
    number, unit, suffix = match.groups()
    base = 1024 if suffix and suffix.lower().startswith("i") else 1000
    scale = base ** "_kmg".index(unit.lower()) if unit else 1
    return int(float(number) * scale)


def _version() -> str:
    try:
        return metadata.version("openai-files")
    except metadata.PackageNotFoundError:  # pragma: no cover - imported from a checkout
        return "0+unknown"


def base_url(host: str, port: int) -> str:
    """The URL clients take as `OPENAI_BASE_URL`: the API lives under /v1."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/v1"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="openai-files-emulator",
        description="A local, stateful emulator of the OpenAI Files, Uploads and Batches APIs.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on (default 8000; 0 takes a free one, printed at start)",
    )
    p.add_argument(
        "--data-dir", type=Path, default=None, help="where bodies are spooled (default: a temp dir)"
    )
    p.add_argument("--api-key", action="append", default=[], help="accept only this key (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed for object ids")
    p.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        help="uvicorn's log level (default info)",
    )
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
    faults.add_argument(
        "--drop-response-rate",
        type=float,
        default=0.0,
        help="fraction handled in full whose response is then lost (the connection closes)",
    )
    faults.add_argument("--latency-ms", type=float, default=0.0, help="added to each request")
    faults.add_argument(
        "--bandwidth", type=byte_rate, default=None, help="per-connection cap, e.g. 10MB (per second)"
    )
    faults.add_argument("--fault-seed", type=int, default=0, help="seed for fault decisions")
    faults.add_argument("--fault-path", action="append", default=[], help="fnmatch pattern of paths to fault")
    batches = p.add_argument_group("batch behaviour (one model per batch is on, the rest off by default)")
    batches.add_argument(
        "--token-limit",
        type=_model_limit,
        action="append",
        default=[],
        metavar="MODEL=TOKENS",
        help="enqueued-token quota of a model (repeatable)",
    )
    batches.add_argument("--default-token-limit", type=int, default=None, help="quota of every other model")
    batches.add_argument("--mixed-models", action="store_true", help="allow several models in one batch")
    batches.add_argument(
        "--line-status-rate", type=float, default=0.0, help="fraction of requests answered non-2xx"
    )
    batches.add_argument(
        "--line-error-rate", type=float, default=0.0, help="fraction of requests in the error file"
    )
    batches.add_argument("--batch-seed", type=int, default=0, help="seed for per-request outcomes")
    batches.add_argument(
        "--pace",
        choices=PACES,
        default="retrieve",
        help="one lifecycle step per retrieve, a stage per --stage-seconds (time), or all at once (instant)",
    )
    batches.add_argument("--stage-seconds", type=float, default=1.0, help="length of each stage (time pace)")
    batches.add_argument(
        "--in-progress-steps", type=int, default=1, help="retrieves spent answering requests (retrieve pace)"
    )
    batches.add_argument(
        "--file-lag", type=float, default=0.0, help="seconds a new file may stay unknown to POST /batches"
    )
    batches.add_argument(
        "--finalizing-steps", type=int, default=1, help="retrieves (or stages of time) spent finalizing"
    )
    batches.add_argument(
        "--counts-lag", action="store_true", help="request_counts one retrieve behind the status"
    )
    batches.add_argument(
        "--empty-file-ids",
        action="store_true",
        help='send "" rather than null for a batch\'s absent file ids',
    )
    hooks = p.add_argument_group("webhooks (off by default; faults on the control plane)")
    hooks.add_argument(
        "--webhook-url", action="append", default=[], help="POST each batch event here (repeatable)"
    )
    hooks.add_argument(
        "--webhook-secret",
        default=os.environ.get(SECRET_ENV, ""),
        help=f"signing secret, whsec_ + base64 (default: ${SECRET_ENV})",
    )
    p.add_argument(
        "--no-file-status",
        action="store_true",
        help="leave the deprecated `status` out of files, as upstream's examples do (default: processed)",
    )
    p.add_argument(
        "--idempotency-keys",
        action="store_true",
        help="answer a repeated Idempotency-Key from a store (off: the header is ignored, as far as"
        " anything public says of the service)",
    )
    return p


def _model_limit(text: str) -> tuple[str, int]:
    model, sep, tokens = text.rpartition("=")
    if not sep or not model or not tokens.isdigit():
        raise argparse.ArgumentTypeError(f"expected MODEL=TOKENS, got {text!r}")
    return model, int(tokens)


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    fault_config = FaultConfig(
        error_rate=args.error_rate,
        error_statuses=tuple(args.error_status) or FaultConfig.error_statuses,
        rate_limit_rate=args.rate_limit_rate,
        retry_after=args.retry_after,
        drop_rate=args.drop_rate,
        cut_rate=args.cut_rate,
        drop_response_rate=args.drop_response_rate,
        latency=args.latency_ms / 1000.0,
        bandwidth=args.bandwidth,
        seed=args.fault_seed,
        paths=tuple(args.fault_path),
    )
    batch_config = BatchConfig(
        one_model=not args.mixed_models,
        token_limits=dict(args.token_limit),
        default_token_limit=args.default_token_limit,
        line_status_rate=args.line_status_rate,
        line_error_rate=args.line_error_rate,
        seed=args.batch_seed,
        pace=args.pace,
        stage_seconds=args.stage_seconds,
        in_progress_steps=args.in_progress_steps,
        file_lag=args.file_lag,
        finalizing_steps=args.finalizing_steps,
        counts_lag=args.counts_lag,
        empty_file_ids=args.empty_file_ids,
    )
    return EmulatorConfig(
        data_dir=args.data_dir,
        api_keys=frozenset(args.api_key),
        seed=args.seed,
        file_status=None if args.no_file_status else "processed",
        idempotency_keys=args.idempotency_keys,
        faults=fault_config,
        batches=batch_config,
        webhooks=WebhookConfig(urls=tuple(args.webhook_url), secret=args.webhook_secret),
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        config = config_from(args)
    except ValueError as exc:
        parser().error(str(exc))

    def announce(port: int) -> None:
        url = base_url(args.host, port)
        print(f"openai-files-emulator: serving OPENAI_BASE_URL={url}", file=sys.stderr, flush=True)

    serve(config, args.host, args.port, args.log_level, listening=announce)


if __name__ == "__main__":
    main()
