"""What ryax action code may import: ``from ryax_wrapper import RyaxException``.

Standard library only; shipped with ryax-wrapper and put on the PYTHONPATH of
the action's interpreter, so the action's own environment needs nothing.
"""

import enum
import typing


class RyaxException(Exception):
    """Raised by a handler to cancel the run with a message and a code.

    An HTTP API trigger answers with ``code`` as the status. A user-defined
    class of the same name with ``message`` and ``code`` works the same way.
    """

    def __init__(self, message: str = "", code: int = 500):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})"


class RyaxRunStatus(enum.IntEnum):
    """The status of a run created by a source."""

    DONE = 1
    ERROR = 2


class RyaxSourceProtocol(typing.Protocol):
    """The ``service`` argument of a source's ``async def run(service, input_values)``."""

    async def create_run(
        self,
        data: dict,
        running_time: float = 0.001,
        status: RyaxRunStatus = RyaxRunStatus.DONE,
    ) -> str:
        """Start one workflow run with ``data`` as the trigger's outputs.

        Returns the run's id once ryaxd stored it; raises when no run was
        created (the reason is the exception's message).
        """

    async def create_run_error(self) -> None:
        """Report a failed trigger run."""

    def get_output_definitions(self) -> list:
        """The declared outputs: a list of dicts with name, type, optional..."""


__all__ = ["RyaxException", "RyaxRunStatus", "RyaxSourceProtocol"]
