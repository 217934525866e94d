"""The GraphQL API on FastAPI and strawberry: `create_app(settings)` in api.app.

app (routes, lifespan) · services (engine, Temporal client, starter, token verifier) · context (the
caller, checked lazily) · auth (JWT) · permissions (scopes) · schema / resolvers / types (the contract)
· listing / pagination (keyset pages of `unzrInfos`) · global_ids · errors (codes, masking) ·
body_limit (413) · health (/healthz, /readyz) · dev_tokens (`unzr-sync token`) · export_schema.
"""
