"""`unzr-sync dev` stops on SIGINT even when it inherits SIGINT ignored (started as a background job of a
script, under nohup): it installs its own handlers whatever it inherited, and its --help says so."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

import cli.dev


@pytest.fixture
def saved_handlers() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_dev_catches_sigint_that_it_inherited_ignored(saved_handlers: None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as inherited from a shell that ignores it
    cli.dev.install_stop_handlers()
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGTERM)


def test_dev_help_says_what_it_does_with_an_ignored_sigint() -> None:
    # `unzr-sync dev --help` prints the module's docstring as its description.
    assert cli.dev.__doc__ is not None
    assert "started with SIGINT ignored" in " ".join(cli.dev.__doc__.split())
