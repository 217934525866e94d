"""`/healthz` says the process answers; `/readyz` says which dependency does not."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from devstack.temporal_binary import temporal_cli_path
from settings import Settings
from tests.api.conftest import ApiFactory
from tests.api.graphql_client import GraphQLClient
from tests.support.ports import free_port


async def test_healthz(api: GraphQLClient) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_everything_answers(api: GraphQLClient) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "temporal": "ok"}}


async def test_readyz_names_the_database_when_it_is_down(settings: Settings, api_factory: ApiFactory) -> None:
    dead_database = settings.database_url.rsplit("@", 1)[0] + f"@127.0.0.1:{free_port()}/nowhere"
    async with api_factory(settings.model_copy(update={"database_url": dead_database})) as api:
        response = await api.http.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "failing", "checks": {"database": "failing", "temporal": "ok"}}
        # Liveness does not depend on the database: restarting the process would not help.
        assert (await api.http.get("/healthz")).status_code == 200


async def test_readyz_names_temporal_when_it_is_down(settings: Settings, api_factory: ApiFactory) -> None:
    # A Temporal server of this test's own, so stopping it leaves the other tests theirs.
    own = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(), dev_server_log_level="error"
    )
    stopped = False
    try:
        address = own.client.service_client.config.target_host
        async with api_factory(settings.model_copy(update={"temporal_address": address})) as api:
            assert (await api.http.get("/readyz")).status_code == 200
            await own.shutdown()
            stopped = True

            response = await api.http.get("/readyz")

            assert response.status_code == 503
            assert response.json() == {
                "status": "failing",
                "checks": {"database": "ok", "temporal": "failing"},
            }
    finally:
        if not stopped:
            await own.shutdown()
