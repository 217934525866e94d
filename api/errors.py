"""The errors the API answers with, in the eHealth shape: a code in `errors[].extensions.code`.

Resolvers raise an `ApiError`; anything else that escapes a resolver is unexpected and reaches the
client only as `INTERNAL_SERVER_ERROR` with a fixed message, since exception texts may carry personal
data (a database error repeats its statement's parameters, an UNZR among them).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

logger = logging.getLogger("api.errors")

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
UNPROCESSABLE_ENTITY = "UNPROCESSABLE_ENTITY"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
# Not in the contract, which says nothing of malformed documents; Apollo's names, which clients know.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"

INVALID_ACCESS_TOKEN = "Invalid access token"  # noqa: S105 (a message, not a secret)
INTERNAL_ERROR_MESSAGE = "Internal server error"


class ApiError(Exception):
    """An error meant for the client: its message and extensions are safe to show."""

    code: str = INTERNAL_SERVER_ERROR

    def __init__(self, message: str, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # graphql-core copies `extensions` of the original error onto the GraphQLError it builds.
        self.extensions: dict[str, Any] = {"code": self.code, **(extensions or {})}


class Unauthenticated(ApiError):
    code = UNAUTHENTICATED

    def __init__(self) -> None:
        super().__init__(INVALID_ACCESS_TOKEN)


class Forbidden(ApiError):
    code = FORBIDDEN

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(
            "Your scope does not allow to access this resource. Missing allowances: " + ", ".join(missing),
            {"missingAllowances": list(missing)},
        )


@dataclass(frozen=True)
class InputError:
    message: str
    path: tuple[str | int, ...]


class UnprocessableEntity(ApiError):
    code = UNPROCESSABLE_ENTITY

    def __init__(self, errors: Sequence[InputError]) -> None:
        super().__init__(
            "; ".join(error.message for error in errors),
            {
                "exception": {
                    "inputErrors": [{"message": error.message, "path": list(error.path)} for error in errors]
                }
            },
        )


def invalid_input(message: str, *path: str | int) -> UnprocessableEntity:
    return UnprocessableEntity([InputError(message, path)])


def is_unexpected(error: GraphQLError) -> bool:
    """A failure inside a resolver that was not raised on purpose for the client."""
    original = error.original_error
    return original is not None and not isinstance(original, (ApiError, GraphQLError))


def log_unexpected(error: GraphQLError) -> None:
    """Log where and what kind of failure happened, never its message: only the exception types and
    the frames of the chain (file, line, function, source line), which hold no request data."""
    original = error.original_error
    if original is None:
        return
    chain: list[str] = []
    frames: list[str] = []
    current: BaseException | None = original
    while current is not None and len(chain) < 10:
        chain.append(f"{type(current).__module__}.{type(current).__qualname__}")
        frames.extend(traceback.format_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
    logger.error(
        "unexpected error in GraphQL field %s: %s\n%s",
        ".".join(str(part) for part in error.path or ()),
        " <- ".join(chain),
        "".join(frames).rstrip(),
    )


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def client_error(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it: every one with a code, the unexpected ones masked."""
    original = error.original_error
    if isinstance(original, ApiError):
        return error
    if is_unexpected(error):
        return GraphQLError(
            INTERNAL_ERROR_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": INTERNAL_SERVER_ERROR},
        )
    if error.extensions and "code" in error.extensions:
        return error
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return _with_code(error, GRAPHQL_PARSE_FAILED)
    # Validation (unknown field, depth and alias limits, bad variables): graphql-core's own messages,
    # which name the query's parts and at most repeat the caller's own values.
    return _with_code(error, GRAPHQL_VALIDATION_FAILED)


class ErrorCodes(SchemaExtension):
    """Rewrites the operation's errors with `client_error` once it has run."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors: list[GraphQLError] | None = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [client_error(error) for error in errors]
