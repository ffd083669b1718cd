"""structlog set-up: JSON lines in production, readable lines on a console; secrets never logged."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from shared.tracing import add_trace_ids

# Keys whose values must never reach a log line, whatever a caller passes by mistake.
SECRET_KEYS = frozenset(
    {
        "password",
        "new_password",
        "token",
        "access_token",
        "api_key",
        "activation_link",
        "activation_token",
        "reset_token",
        "authorization",
        "secret",
    }
)


# Secrets inside text, such as the query string of an access-log line.
_SECRET_IN_TEXT = re.compile(r"((?:token|password|api_key|secret)=)[^&\s\"']+", re.IGNORECASE)


def _redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in event_dict.keys() & SECRET_KEYS:
        event_dict[key] = "***"
    message = event_dict.get("event")
    # Only a line with "name=value" in it can hold one; most lines are a few words.
    if isinstance(message, str) and "=" in message:
        event_dict["event"] = _SECRET_IN_TEXT.sub(r"\1***", message)
    return event_dict


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]
    structlog.configure(
        processors=[
            *shared_processors,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(_STDERR),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    # Route the standard library's loggers (uvicorn, aiokafka, faststream) through structlog too.
    handler = logging.StreamHandler(_STDERR)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared_processors, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


class _CurrentStderr(io.TextIOBase):
    """Whatever `sys.stderr` is when a line is written: a test runner swaps it per test, and a
    worker still logging after its test must not write to a stream closed since."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_STDERR: TextIO = _CurrentStderr()  # type: ignore[assignment]  # a TextIOBase, as print needs


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
