"""The Uploads API: a file sent in parts, assembled on completion."""
