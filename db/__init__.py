"""The `unzr_info` table: model, migrations and the statements the job and the API run on it."""
