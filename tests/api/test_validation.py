"""An invalid UNZR is UNPROCESSABLE_ENTITY, taken exactly as given: nothing written, no job started."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db.models import UnzrInfo
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.api.graphql_client import GET, SYNC, GraphQLClient, only_error
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

VALID = "19910824-00026"
INVALID = {
    "leading space": " " + VALID,
    "trailing space": VALID + " ",
    "trailing newline": VALID + "\n",
    "letters": "1991O824-0002A",
    "wrong control digit": "19910824-00027",
    "too short": "19910824-0002",
    "too long": "19910824-000260",
    "no hyphen": "19910824000026",
    "empty": "",
    "not a date": "19911324-00024",
    "Cyrillic О for zero": "1991О824-00026",
    "Arabic-Indic digits": "١٩٩١٠٨٢٤-٠٠٠٢٦",
    "fullwidth digits": "１９９１０８２４-０００２６",
    "en dash": "19910824–00026",
}


async def _workflow_exists(client: Client, settings: Settings, unzr: str) -> bool:
    workflow_id = SyncStarter(client, settings).workflow_id(unzr)
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


@pytest.mark.parametrize("case", list(INVALID))
async def test_invalid_unzr_is_refused_and_starts_nothing(
    api_with_worker: GraphQLClient, running_worker: Client, engine: AsyncEngine, case: str
) -> None:
    unzr = INVALID[case]

    body = await api_with_worker.execute(SYNC, {"unzr": unzr})

    error = only_error(body)
    assert error["extensions"]["code"] == "UNPROCESSABLE_ENTITY"
    input_errors = error["extensions"]["exception"]["inputErrors"]
    assert len(input_errors) == 1
    assert input_errors[0]["path"] == ["input", "unzr"]
    assert input_errors[0]["message"]
    assert body["data"] == {"syncUnzrInfoRegister": None}
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(UnzrInfo.__table__)) == 0
    assert not await _workflow_exists(running_worker, api_with_worker.settings, unzr)


async def test_the_workflow_check_sees_a_started_sync(
    api_with_worker: GraphQLClient, running_worker: Client
) -> None:
    # The counterpart of the check above, so it cannot pass for a reason of its own.
    unzr = unique_unzr(FOUND)
    await api_with_worker.sync(unzr)
    assert await _workflow_exists(running_worker, api_with_worker.settings, unzr)
    await api_with_worker.wait_until_finished(unzr)


async def test_query_of_an_invalid_unzr_is_refused(api: GraphQLClient) -> None:
    error = only_error(await api.execute(GET, {"unzr": " " + VALID}))
    assert error["extensions"]["code"] == "UNPROCESSABLE_ENTITY"
    assert error["extensions"]["exception"]["inputErrors"][0]["path"] == ["unzr"]


async def test_query_of_a_never_synced_unzr_is_null(api: GraphQLClient) -> None:
    assert await api.execute(GET, {"unzr": unique_unzr(FOUND)}) == {"data": {"unzrInfoRegister": None}}
