"""docs/operations.md names only what exists: settings, subcommands, fault codes and their kinds are
checked against the code, and what does not exist yet is marked as planned."""

from __future__ import annotations

import re
import typing

import pytest

from cli.main import COMMANDS
from register.retry_table import application_error_kind, fault_kind, http_status_kind
from register.safe_xml import RefusalCode
from settings.config import ENV_PREFIX, Settings
from tests.ops.support import REPO

GUIDE = REPO / "docs" / "operations.md"
PLANNED_SETTINGS: set[str] = set()
# Families written with a wildcard: `UNZR_SYNC_REGISTER_RETRY_*`, `UNZR_SYNC_TEMPORAL_*`.
SETTING_FAMILIES = {"UNZR_SYNC_REGISTER_RETRY", "UNZR_SYNC_TEMPORAL"}
APPLICATION_ERRORS = {"INVALID_UNZR", "REGISTER_UNAVAILABLE", "INTERNAL_ERROR"}


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return [block for block in re.split(r"\n\s*\n", text) if block.strip()]


def test_the_guide_links_the_generated_reference(guide: str) -> None:
    assert "](configuration.md)" in guide
    assert (REPO / "docs" / "configuration.md").is_file()


def test_every_setting_named_exists_or_is_marked_planned(guide: str) -> None:
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    for block in paragraphs(guide):
        for name in set(re.findall(r"\bUNZR_SYNC_[A-Z0-9_]*[A-Z0-9]", block)):
            if name in PLANNED_SETTINGS:
                assert "planned" in block.lower(), f"{name} does not exist yet: say it is planned"
            elif name in SETTING_FAMILIES:
                assert any(field.startswith(name) for field in known), name
            else:
                assert name in known, f"{name} is not a setting"


def code_spans(text: str) -> list[str]:
    """Inline `code` and fenced blocks: where the guide writes commands."""
    fenced = re.findall(r"```[a-z]*\n(.*?)```", text, re.DOTALL)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return fenced + inline


def test_every_subcommand_named_exists(guide: str) -> None:
    named = {word for span in code_spans(guide) for word in re.findall(r"\bunzr-sync ([a-z][a-z-]*)", span)}
    assert named, "the guide names no subcommand"
    assert named <= set(COMMANDS), named - set(COMMANDS)


def _source_kinds() -> dict[str, set[str]]:
    """code -> kinds, as the register client, the workflow and the reconciler write them."""
    kinds: dict[str, set[str]] = {}
    for path in [*(REPO / "register").glob("*.py"), *(REPO / "workflows").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for kind, code in re.findall(r'(?:failure|Failure)\(\s*"(transient|permanent)",\s*"(\w+)"', text):
            kinds.setdefault(code, set()).add(kind)
        for kind, code in re.findall(r'"kind":\s*"(transient|permanent)",\s*"code":\s*"(\w+)"', text):
            kinds.setdefault(code, set()).add(kind)
        # RegisterErrorDetails(kind="…", code="…", …), as the workflow writes its own codes.
        for kind, code in re.findall(r'kind="(transient|permanent)",\s*code="(\w+)"', text):
            kinds.setdefault(code, set()).add(kind)
    for code in typing.get_args(RefusalCode):
        kinds.setdefault(code, set()).add("permanent")  # answer_parsing refuses them as permanent
    reconciler = (REPO / "activities" / "reconcile_activities.py").read_text(encoding="utf-8")
    if re.search(r'"kind":\s*"permanent",\s*"code":\s*f"Run\{', reconciler) or re.search(
        r'kind="permanent",\s*code=f"Run\{', reconciler
    ):
        for status in ("Terminated", "TimedOut", "Canceled", "Failed", "Completed", "NotFound"):
            kinds.setdefault(f"Run{status}", set()).add("permanent")
    return kinds


def kind_of(code: str, source_kinds: dict[str, set[str]]) -> set[str]:
    if code in APPLICATION_ERRORS:
        return {application_error_kind(code)}
    http = re.fullmatch(r"HTTP_(\d{3})", code)
    if http:
        return {http_status_kind(int(http.group(1)))}
    if "." in code:
        return {fault_kind(code)}
    return source_kinds.get(code, set())


def fault_code_rows(guide: str) -> list[tuple[list[str], str]]:
    table = guide.split("<!-- fault-codes -->", 1)[1].split("<!-- /fault-codes -->", 1)[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1]))
    return rows


def test_the_fault_code_table_agrees_with_the_retry_rules(guide: str) -> None:
    source_kinds = _source_kinds()
    rows = fault_code_rows(guide)
    assert len(rows) >= 15
    for codes, kind in rows:
        assert codes and kind in ("permanent", "transient")
        for code in codes:
            known = kind_of(code, source_kinds)
            assert known, f"{code} is not a code the service writes"
            assert kind in known, f"{code} is {known}, the guide says {kind}"


def test_every_code_the_service_writes_itself_is_in_the_table(guide: str) -> None:
    listed = {code for codes, _ in fault_code_rows(guide) for code in codes}
    written = {code for code in _source_kinds() if not code.startswith("Run")}
    assert written <= listed, sorted(written - listed)


def test_the_table_check_catches_a_wrong_kind() -> None:
    source_kinds = _source_kinds()
    assert "transient" not in kind_of("Server.ServerProxy.AccessDenied", source_kinds)
    assert "permanent" not in kind_of("Timeout", source_kinds)
    assert kind_of("NoSuchCode", source_kinds) == set()
