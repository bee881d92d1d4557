"""The Files API: stored contents and their metadata."""
