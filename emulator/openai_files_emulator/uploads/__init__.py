"""The Uploads API: a file sent in parts that become, in the order given, the File on completion."""
