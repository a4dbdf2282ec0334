"""``mx.log``: MXNet's logging helper (a thin layer over :mod:`logging`)."""

from __future__ import annotations

import logging
import sys

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "INFO",
    "NOTSET",
    "WARNING",
    "getLogger",
    "get_logger",
]

CRITICAL = logging.CRITICAL
ERROR = logging.ERROR
WARNING = logging.WARNING
INFO = logging.INFO
DEBUG = logging.DEBUG
NOTSET = logging.NOTSET

_FORMAT = "%(levelname).1s%(asctime)s %(process)d %(pathname)s:%(funcName)s:%(lineno)d] %(message)s"


def get_logger(
    name=None, filename=None, filemode=None, level=WARNING
) -> logging.Logger:
    """A logger writing to ``filename`` (mode ``filemode``, default ``"a"``) or to
    stderr, with MXNet's one-letter-level format. Handlers are added once."""
    logger = logging.getLogger(name)
    if name is not None and not getattr(logger, "_init_done", False):
        logger._init_done = True
        if filename:
            handler: logging.Handler = logging.FileHandler(filename, filemode or "a")
        else:
            handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT, "%m%d %H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(level)
    return logger


def getLogger(name=None, filename=None, filemode=None, level=WARNING) -> logging.Logger:  # noqa: N802 - MXNet's name
    """Deprecated alias of :func:`get_logger`."""
    return get_logger(name, filename, filemode, level)
