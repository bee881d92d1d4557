"""A client library for accessing OpenAI Files, Uploads and Batches"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
