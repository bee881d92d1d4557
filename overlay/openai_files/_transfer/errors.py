"""Errors raised by the upload engine before or while parts are sent.

TransferError
 ├── InvalidUploadError (also ValueError): refused before any byte is sent
 │    ├── SourceNotFoundError
 │    ├── NotARegularFileError
 │    ├── SourceNotReadableError
 │    ├── EmptyFileError
 │    ├── FileTooLargeError
 │    ├── InvalidPartSizeError
 │    ├── InvalidConcurrencyError
 │    ├── InvalidExpiryError
 │    ├── UnknownPurposeError
 │    └── UnknownMimeTypeError
 ├── FileChangedError: the file changed size or content while it was being sent
 └── TransferAborted: a part stopped because another part (or the caller) ended the upload
"""

from __future__ import annotations


class TransferError(Exception):
    """Base of every upload engine error."""


class InvalidUploadError(TransferError, ValueError):
    """The arguments cannot make a valid Upload; nothing was sent."""


class SourceNotFoundError(InvalidUploadError):
    """The path does not exist."""


class NotARegularFileError(InvalidUploadError):
    """The path is a directory, device, pipe or socket; only regular files have a size to declare."""


class SourceNotReadableError(InvalidUploadError):
    """The file exists but cannot be opened or read (permissions), or the file object is not seekable."""


class EmptyFileError(InvalidUploadError):
    """The file has no bytes; the service refuses empty uploads."""


class FileTooLargeError(InvalidUploadError):
    """The file is larger than an Upload may be."""


class InvalidPartSizeError(InvalidUploadError):
    """The part size is outside what the service accepts."""


class InvalidConcurrencyError(InvalidUploadError):
    """Fewer than one part in flight was asked for."""


class InvalidExpiryError(InvalidUploadError):
    """The requested lifetime of the File is outside one hour to thirty days."""


class UnknownPurposeError(InvalidUploadError):
    """The purpose is not one an Upload accepts."""


class UnknownMimeTypeError(InvalidUploadError):
    """No mime type was given and none can be inferred from the file name."""


class ResumeNeedsPathError(InvalidUploadError):
    """resume=True keys the journal by path, and a file object has none."""


class FileChangedError(TransferError):
    """The file changed while being sent, so the parts would not add up to one consistent file."""


class TransferAborted(TransferError):
    """Raised inside a part's body so its request stops; never retried."""
