"""`unzr-sync backfill FILE`: sync every UNZR of a file, resumably, with bounded concurrency."""
