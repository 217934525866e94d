#!/bin/sh
# One-shot job (image temporalio/admin-tools): creates Temporal's two databases on the postgres service
# and sets up or upgrades their schemas. Safe to run again: an existing database is kept, and the
# schema is only ever moved forward, to the version that this admin-tools image ships.
# Environment: POSTGRES_SEEDS (host), DB_PORT, POSTGRES_USER, SQL_PASSWORD (read by temporal-sql-tool).
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port="${DB_PORT:-5432}"
schema_root=/etc/temporal/schema/postgresql/v12

sql_tool() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"
}

for database in temporal temporal_visibility; do
    case "$database" in
        temporal) versioned="$schema_root/temporal/versioned" ;;
        *) versioned="$schema_root/visibility/versioned" ;;
    esac
    echo "temporal-schema: database $database"
    sql_tool --db "$database" create-database
    sql_tool --db "$database" setup-schema -v 0.0
    sql_tool --db "$database" update-schema -d "$versioned"
done
echo "temporal-schema: done"
