#!/bin/sh
# One-shot job (image temporalio/admin-tools), run once the temporal service is healthy: registers the
# namespace the service uses and the search attributes its workflow sets, each unless it exists.
# Environment:
#   TEMPORAL_ADDRESS, NAMESPACE
#   RETENTION          how long Temporal keeps closed runs (a failed sync's history stays that long)
#   SEARCH_ATTRIBUTES  Keyword attribute names, space-separated (workflows/search_attributes.py)
set -eu

: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}"
retention="${RETENTION:-168h}"

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
    echo "temporal-namespace: namespace $NAMESPACE exists"
else
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
        --retention "$retention"
    echo "temporal-namespace: created namespace $NAMESPACE (retention $retention)"
fi

# A new namespace takes a few seconds to reach every part of the server: retry the first listing.
attempt=1
until existing=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE"); do
    [ "$attempt" -ge 10 ] && { echo "temporal-namespace: cannot list search attributes" >&2; exit 1; }
    attempt=$((attempt + 1))
    sleep 3
done
for name in ${SEARCH_ATTRIBUTES:-}; do
    if printf '%s\n' "$existing" | grep -qw -- "$name"; then
        echo "temporal-namespace: search attribute $name exists"
    else
        temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
            --name "$name" --type Keyword
        echo "temporal-namespace: created search attribute $name"
    fi
done
