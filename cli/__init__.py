"""The `unzr-sync` command line."""
