"""The progress callbacks of a verification run (`Reporter`): light, so the CLI imports it at start."""

from __future__ import annotations

from zoogen.meta.schema import Model
from zoogen.records import VerificationRecord

__all__ = ["Reporter"]


class Reporter:
    """Progress callbacks of `run_verification`; this base class ignores them all."""

    def start(self, total: int) -> None:
        """``total`` models will be verified (skipped ones included)."""

    def model_started(self, model: Model) -> None:
        """Work on ``model`` begins."""

    def step(self, model: Model, step: str) -> None:
        """``model`` entered ``step`` (resolve, download, load, evaluate, speed)."""

    def download(self, model: Model, done: int, total: int | None) -> None:
        """Bytes of ``model``'s checkpoint so far."""

    def note(self, model: Model, message: str) -> None:
        """Something worth telling about ``model`` (which config file was used, a warning...)."""

    def model_finished(self, model: Model, record: VerificationRecord, skipped: bool = False) -> None:
        """``model`` is done (``skipped``: ``--resume`` found its record)."""

    def run_note(self, message: str) -> None:
        """Something about the run as a whole (said once, before the models start)."""
