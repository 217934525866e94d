"""Tests of the GraphQL API over HTTP."""
