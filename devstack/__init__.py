"""`unzr-sync dev`: the whole service on one machine, each part a watched child process."""
