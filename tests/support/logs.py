"""structlog's capture_logs, made independent of what earlier tests in the process configured."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs


@contextmanager
def captured_logs(*modules: ModuleType) -> Iterator[list[MutableMapping[str, Any]]]:
    """The log lines written meanwhile, those of the module-level loggers (`log`) of `modules`
    included. configure_logging caches each logger on its first use (a service's setting): a
    module's logger first used after an earlier test of the process called it keeps that
    configuration's processors and escapes capture_logs, so whether a test saw its lines
    depended on which tests ran before it in the same process. Each module gets a fresh
    logger of the same name for the while."""
    with pytest.MonkeyPatch.context() as patch, capture_logs() as logs:
        for module in modules:
            patch.setattr(module, "log", structlog.get_logger(module.__name__))
        yield logs
