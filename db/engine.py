"""The async engine and session factory, one per process."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from settings import Settings


class _StatementLogFilter(logging.Filter):
    """SQLAlchemy logs result rows at DEBUG (and statements at INFO) when its logger is opened up;
    rows are person records. Only its warnings and errors may pass, whatever level is configured."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_ENGINE_LOGGER = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _StatementLogFilter) for f in _ENGINE_LOGGER.filters):
    _ENGINE_LOGGER.addFilter(_StatementLogFilter())


def create_engine_from_settings(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.sqlalchemy_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        # A connection that died while PostgreSQL was away is replaced instead of failing a step.
        pool_pre_ping=True,
        pool_recycle=1800,
        # Parameters are UNZRs and person records: never in a log line or an exception message.
        hide_parameters=True,
        # A database that is black-holed (not refusing) must not hold a pool slot for the OS's minutes.
        connect_args={"connect_timeout": 10},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)
