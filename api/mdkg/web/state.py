"""What one running app holds: its settings and its store (no module-level state)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from mdkg.dataset import load_dataset
from mdkg.errors import StoreUnavailable
from mdkg.settings import Settings
from mdkg.store import Store


@dataclass
class AppState:
    settings: Settings
    store: Store | None = None
    owns_store: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    """Per-app caches that feature modules keep (named-query library, metrics...)."""

    def load(self) -> None:
        load_dataset(self.require_store(), self.settings)

    def require_store(self) -> Store:
        if self.store is None:
            raise StoreUnavailable("the store is not open")
        return self.store


def app_state(request: Request) -> AppState:
    return request.app.state.mdkg


def get_settings(request: Request) -> Settings:
    return app_state(request).settings


def get_store(request: Request) -> Store:
    return app_state(request).require_store()
