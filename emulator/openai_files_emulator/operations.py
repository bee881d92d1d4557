"""The service operations this emulator serves: (HTTP method, path under /v1) as openapi.yaml writes them.

Plain data with no imports: `make vendor` reads it without importing the emulator, to say which new
operations the emulator does not serve yet; the contract tests run on exactly these, and a test checks
that the app routes them, no more and no fewer. Serving a new one: add its handler to the tag's
`routes.py` and its pair here (see README.md, "Serving a new operation").
"""

SERVED_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/files"),
        ("GET", "/files"),
        ("GET", "/files/{file_id}"),
        ("DELETE", "/files/{file_id}"),
        ("GET", "/files/{file_id}/content"),
        ("POST", "/uploads"),
        ("POST", "/uploads/{upload_id}/parts"),
        ("POST", "/uploads/{upload_id}/complete"),
        ("POST", "/uploads/{upload_id}/cancel"),
        ("POST", "/batches"),
        ("GET", "/batches"),
        ("GET", "/batches/{batch_id}"),
        ("POST", "/batches/{batch_id}/cancel"),
    }
)
