"""The Batches API: requests from an uploaded JSONL file, answered with stand-in responses."""
