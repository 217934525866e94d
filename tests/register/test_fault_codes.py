"""The closed vocabulary of fault-code labels: every code, whatever its text, has a label from it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from register.fault_codes import FAULT_LABELS, OTHER, fault_label
from register.stand_in import hostile_text
from register.stand_in.behaviour import SPECIAL, behaviour_of_record


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("Server.ServerProxy.AccessDenied", "AccessDenied"),
        ("server.serverproxy.access_denied", "AccessDenied"),
        ("soapenv:Server.ClientProxy.NetworkError", "NetworkError"),
        ("Server.ClientProxy.global_conf_outdated", "OutdatedGlobalConf"),
        ("Server.ServerProxy.IOError", "IOError"),
        ("Server.ServerProxy.AccessDenied.Timeout", "AccessDenied"),  # permanent wins
        ("Client.BadRequest", "ClientFault"),
        ("SOAP-ENV:Client", "ClientFault"),
        ("Server.ServerProxy.SomethingNew", OTHER),
        ("soapenv:Server", OTHER),
        ("invalid_unzr", "INVALID_UNZR"),
        ("REGISTER_UNAVAILABLE", "REGISTER_UNAVAILABLE"),
        ("NEW_ERROR_CODE", OTHER),
        ("HTTP_503", "HTTP_503"),
        ("HTTP_99999", OTHER),
        ("Timeout", "Timeout"),
        ("RetryDeadlineExceeded", "RetryDeadlineExceeded"),
        ("Cancelled", "Cancelled"),
        ("RunTerminated", "RunTerminated"),
        ("PersonMismatch", "PersonMismatch"),
        ("", OTHER),
        (hostile_text.FAULT_CODE, "ClientFault"),
        (hostile_text.APPLICATION_ERROR_CODE, OTHER),
        (hostile_text.MESSAGE, OTHER),
    ],
)
def test_codes_have_their_labels(code: str, label: str) -> None:
    assert fault_label(code) == label
    assert fault_label(label) == label  # a label stands for itself


@given(st.text(max_size=300))
def test_any_text_gets_a_label_from_the_vocabulary(code: str) -> None:
    assert fault_label(code) in FAULT_LABELS


@pytest.mark.parametrize("record", sorted(SPECIAL))
def test_the_stand_ins_known_codes_keep_a_name_of_their_own(record: int) -> None:
    code = behaviour_of_record(record).code
    if code is None or record in (9003, 9026, 9027, 9073, 9074):  # unknown codes and hostile texts
        return
    assert fault_label(code) != OTHER, code


def test_every_code_the_service_writes_itself_has_a_label_of_its_own() -> None:
    from tests.ops.test_operations_doc import _source_kinds

    written = set(_source_kinds())
    assert {"Timeout", "InvalidUtf8", "PersonMismatch", "RetryDeadlineExceeded", "RunTerminated"} <= written
    assert {code for code in written if fault_label(code) != code} == set()
