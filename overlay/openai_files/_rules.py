"""The service's rules for local input, each written once and checked the same way at every entry point.

Choices (purposes, list order, batch endpoints, completion windows) come from the generated layer's enums,
the single source of truth: a regenerated client that adds a purpose accepts it here at once. The
`Literal` aliases beside them only let type checkers and IDEs show the choices; `tests/overlay/test_rules.py`
keeps each one equal to its enum. Size limits and the expiry range come from `SERVICE_RULES`, which
`make generate` reads from openapi.yaml and the emulator enforces too (`tests/emulator/test_shared_rules.py`
runs each rule through both). Limits the spec does not state (page sizes, metadata) are declared here.

Every check raises `InvalidInputError` whose `.param` names the argument at fault, with the same message
wherever that argument is taken (`files.create`, `uploads.create`, `upload_file`, `batches.*`, the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal, TypeGuard, TypeVar

from ._errors import InvalidInputError
from ._generated import (
    SERVICE_RULES,
    BatchStatus,
    CreateBatchRequestCompletionWindow,
    CreateBatchRequestEndpoint,
    CreateFileRequestPurpose,
    CreateUploadRequestPurpose,
    ListFilesOrder,
    OpenAIFilePurpose,
)

__all__ = [
    "BATCH_ENDPOINTS",
    "BATCH_STATUSES",
    "COMPLETION_WINDOWS",
    "FILE_ORDERS",
    "FILE_PURPOSES",
    "MAX_BATCHES_PAGE",
    "MAX_EXPIRY_SECONDS",
    "MAX_FILES_PAGE",
    "MAX_FILE_BYTES",
    "MAX_METADATA_PAIRS",
    "MAX_PART_BYTES",
    "MAX_UPLOAD_BYTES",
    "MIN_EXPIRY_SECONDS",
    "STORED_PURPOSES",
    "UPLOAD_PURPOSES",
    "BatchEndpoint",
    "CompletionWindow",
    "FileOrder",
    "FilePurpose",
    "UploadPurpose",
    "at_least",
    "batch_endpoint",
    "choice",
    "embedding_inputs",
    "expiry_seconds",
    "file_name",
    "in_range",
    "is_upload_purpose",
    "metadata",
    "page_size",
    "path_id",
]


FilePurpose = Literal["assistants", "batch", "evals", "fine-tune", "user_data", "vision"]
"""What `files.create` takes (`CreateFileRequestPurpose`)."""
UploadPurpose = Literal["assistants", "batch", "fine-tune", "vision"]
"""What an Upload takes (`CreateUploadRequestPurpose`): fewer than a single request."""
FileOrder = Literal["asc", "desc"]
"""`files.list` order by creation time (`ListFilesOrder`)."""
BatchEndpoint = Literal[
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/images/edits",
    "/v1/images/generations",
    "/v1/moderations",
    "/v1/responses",
    "/v1/videos",
]
"""What a batch may run (`CreateBatchRequestEndpoint`)."""
CompletionWindow = Literal["24h"]
"""How long a batch may take (`CreateBatchRequestCompletionWindow`)."""

E = TypeVar("E", bound=StrEnum)


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The declared members only: the generated enums also parse unknown values, which must not pass."""
    return tuple(member.value for member in enum)


FILE_PURPOSES = _values(CreateFileRequestPurpose)
UPLOAD_PURPOSES = _values(CreateUploadRequestPurpose)
FILE_ORDERS = _values(ListFilesOrder)
BATCH_ENDPOINTS = _values(CreateBatchRequestEndpoint)
COMPLETION_WINDOWS = _values(CreateBatchRequestCompletionWindow)
STORED_PURPOSES = _values(OpenAIFilePurpose)
"""What a stored file may say it is for: the purposes taken, and the service's own (`batch_output`)."""
BATCH_STATUSES = _values(BatchStatus)

MAX_FILE_BYTES: int = SERVICE_RULES["max_file_bytes"]
"""The most one `files.create` request stores (512 MiB); larger files go through an Upload."""
MAX_UPLOAD_BYTES: int = SERVICE_RULES["max_upload_bytes"]
MAX_PART_BYTES: int = SERVICE_RULES["max_part_bytes"]
MIN_EXPIRY_SECONDS: int = SERVICE_RULES["min_expiry_seconds"]
MAX_EXPIRY_SECONDS: int = SERVICE_RULES["max_expiry_seconds"]
MAX_FILES_PAGE = 10_000
MAX_BATCHES_PAGE = 100
MAX_BATCH_REQUESTS: int = SERVICE_RULES["max_batch_requests"]
"""Requests one batch input file may hold (50,000)."""
MAX_BATCH_BYTES: int = SERVICE_RULES["max_batch_bytes"]
"""Bytes of JSONL one batch input file may hold (200 MB)."""
MAX_EMBEDDING_INPUTS: int = SERVICE_RULES["max_embedding_inputs"]
"""Inputs an embeddings batch may hold in all its requests (50,000)."""
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY_CHARS = 64
MAX_METADATA_VALUE_CHARS = 512


def embedding_inputs(body: Mapping[str, Any]) -> int:
    """The inputs an embeddings request counts for against a batch's `MAX_EMBEDDING_INPUTS`: a string
    or one token array is one input, a list of strings or token arrays as many as it holds."""
    value = body.get("input")
    if isinstance(value, list) and value and not all(isinstance(item, int) for item in value):
        return len(value)
    return 1


def choice(value: str, enum: type[E], *, param: str) -> E:
    """`value` as a member of `enum` when it is one of its declared values; otherwise InvalidInputError."""
    allowed = _values(enum)
    if value not in allowed:
        raise _not_one_of(value, allowed, param=param)
    return enum(value)


def batch_endpoint(value: str) -> BatchEndpoint:
    """`value` checked as a batch endpoint, typed as one for calls that take the `Literal`."""
    if not _is_batch_endpoint(value):
        raise _not_one_of(value, BATCH_ENDPOINTS, param="endpoint")
    return value


def _is_batch_endpoint(value: str) -> TypeGuard[BatchEndpoint]:
    return value in BATCH_ENDPOINTS


def _not_one_of(value: str, allowed: tuple[str, ...], *, param: str) -> InvalidInputError:
    return InvalidInputError(f"{param} must be one of {', '.join(allowed)}; got {value!r}", param=param)


def is_upload_purpose(value: str) -> TypeGuard[UploadPurpose]:
    """True for a purpose an Upload takes, a narrower list than one request takes."""
    return value in UPLOAD_PURPOSES


def in_range(value: int, low: int, high: int, *, param: str, unit: str = "") -> int:
    """`value` when `low <= value <= high`; otherwise InvalidInputError naming `param`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInputError(f"{param} must be between {low} and {high}{unit}, got {value!r}", param=param)
    return value


def metadata(pairs: Mapping[str, str] | None, *, param: str = "metadata") -> dict[str, str] | None:
    """Up to 16 string pairs, keys up to 64 characters and values up to 512, as the service takes them."""
    if pairs is None:
        return None
    if len(pairs) > MAX_METADATA_PAIRS:
        raise InvalidInputError(
            f"{param} may hold at most {MAX_METADATA_PAIRS} pairs, got {len(pairs)}", param=param
        )
    for key, value in pairs.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidInputError(f"{param} keys and values must be strings, got {key!r}", param=param)
        if len(key) > MAX_METADATA_KEY_CHARS or len(value) > MAX_METADATA_VALUE_CHARS:
            raise InvalidInputError(
                f"{param} key {key[:MAX_METADATA_KEY_CHARS]!r}: keys may have at most "
                f"{MAX_METADATA_KEY_CHARS} characters and values {MAX_METADATA_VALUE_CHARS}",
                param=param,
            )
    return dict(pairs)


def file_name(name: str) -> str:
    """`name` as the service can store it: valid UTF-8.

    A path's name on Linux is bytes, and one that is not UTF-8 reaches Python as lone surrogates, which
    no request can carry; the bytes that do not decode become U+FFFD, as `ls` shows them.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # surrogates that did not come from a file system
            return name.encode("utf-8", "replace").decode("utf-8")
    return name


def path_id(value: object, *, param: str) -> None:
    """Refuse an object id that cannot name one object in a URL path: not a string, empty, `.` or `..`.

    The generated layer percent-escapes ids, but an empty one names the collection (a redirect) and a
    dot segment another path altogether.
    """
    if not isinstance(value, str) or value.strip() in ("", ".", ".."):
        raise InvalidInputError(f"{param} must be an id such as file-abc123, got {value!r}", param=param)


def at_least(value: int, low: int, *, param: str) -> int:
    """`value` when it is an int of at least `low`; otherwise InvalidInputError naming `param`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInputError(f"{param} must be at least {low}, got {value!r}", param=param)
    return value


def expiry_seconds(seconds: int | None, *, param: str) -> int | None:
    """A requested lifetime for a stored file, which the service takes from one hour to thirty days."""
    if seconds is None:
        return None
    return in_range(seconds, MIN_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS, param=param, unit=" seconds")


def page_size(limit: int | None, maximum: int) -> int | None:
    """A list call's `limit`, from 1 to what the endpoint serves in one page."""
    return None if limit is None else in_range(limit, 1, maximum, param="limit")
