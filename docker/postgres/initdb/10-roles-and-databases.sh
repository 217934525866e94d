#!/usr/bin/env bash
# Runs once, when the postgres service starts on an empty data volume (the postgres image runs every
# script in /docker-entrypoint-initdb.d then). Creates one role per user of the server, each with its own
# password from the environment, so no password is written in a file:
#   unzr_sync  owns the database unzr_sync (the service's unzr_info table; `unzr-sync migrate` fills it)
#   temporal   may create databases: the temporal-schema job creates `temporal` and `temporal_visibility`
# Changing a password later: ALTER ROLE ... PASSWORD ... by hand; this script does not run again.
set -euo pipefail

: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is not set}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is not set}"

# psql substitutes :'name' with the variable's value as a quoted literal; the here-document is quoted,
# so the shell substitutes nothing in it.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set app_password="$APP_DB_PASSWORD" \
    --set temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE unzr_sync LOGIN PASSWORD :'app_password';
CREATE DATABASE unzr_sync OWNER unzr_sync;
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
