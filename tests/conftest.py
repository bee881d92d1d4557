"""Shared test configuration; each team adds its plugins to the list."""

pytest_plugins = ["openai_files_emulator.pytest_plugin"]
