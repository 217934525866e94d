"""Global knobs of the stand-in: environment variables, overridden by command-line flags."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from register.xroad import parse_client_id, parse_service_id
from settings import Settings

ENV_PREFIX = "UNZR_SYNC_STAND_IN_"
DEFAULT_SLOW_SECONDS = 35.0  # longer than the client's default deadline (30 s), so "slow" times out


class StandInOptionsError(ValueError):
    """An option is out of range; the message names it."""


@dataclass(frozen=True, slots=True)
class StandInOptions:
    """`service` is the only service this stand-in provides and `clients` the only callers it lets in
    (X-Road path notation). `seed` makes random transient answers repeatable; None draws a fresh one."""

    service: str
    clients: tuple[str, ...]
    latency_ms: int = 0
    transient_rate: float = 0.0
    seed: int | None = None
    slow_seconds: float = DEFAULT_SLOW_SECONDS
    people_file: Path | None = None

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise StandInOptionsError("latency_ms must be 0 or more")
        if not (0.0 <= self.transient_rate <= 1.0):
            raise StandInOptionsError("transient_rate must be between 0 and 1")
        if not (math.isfinite(self.slow_seconds) and self.slow_seconds >= 0):
            raise StandInOptionsError("slow_seconds must be 0 or more")
        try:
            parse_service_id(self.service)
            for client in self.clients:
                parse_client_id(client)
        except ValueError as invalid:
            raise StandInOptionsError(str(invalid)) from None
        if not self.clients:
            raise StandInOptionsError("at least one client must be allowed")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], settings: Settings) -> StandInOptions:
        """Options from `UNZR_SYNC_STAND_IN_*`; service and client default to the service's own settings
        (`UNZR_SYNC_XROAD_SERVICE`, `UNZR_SYNC_XROAD_CLIENT`), so a stack started with one environment
        lets its own client in."""

        def read(name: str) -> str | None:
            value = environ.get(ENV_PREFIX + name, "").strip()
            return value or None

        try:
            latency = read("LATENCY_MS")
            rate = read("TRANSIENT_RATE")
            seed = read("SEED")
            slow = read("SLOW_SECONDS")
            clients = read("CLIENTS")
            people = read("PEOPLE")
            return cls(
                service=read("SERVICE") or settings.xroad_service,
                clients=tuple(c.strip() for c in clients.split(",")) if clients else (settings.xroad_client,),
                latency_ms=int(latency) if latency else 0,
                transient_rate=float(rate) if rate else 0.0,
                seed=int(seed) if seed else None,
                slow_seconds=float(slow) if slow else DEFAULT_SLOW_SECONDS,
                people_file=Path(people) if people else None,
            )
        except ValueError as invalid:
            raise StandInOptionsError(f"{ENV_PREFIX}*: {invalid}") from None

    def overridden(
        self,
        *,
        latency_ms: int | None = None,
        transient_rate: float | None = None,
        seed: int | None = None,
        slow_seconds: float | None = None,
        service: str | None = None,
        clients: Sequence[str] | None = None,
        people_file: Path | None = None,
    ) -> StandInOptions:
        """A copy with every argument that is not None replacing the current value."""
        changes: dict[str, object] = {
            "latency_ms": latency_ms,
            "transient_rate": transient_rate,
            "seed": seed,
            "slow_seconds": slow_seconds,
            "service": service,
            "clients": tuple(clients) if clients else None,
            "people_file": people_file,
        }
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
