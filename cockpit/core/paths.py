"""Where the cockpit finds its shipped resources and keeps its per-user files."""

from pathlib import Path

import platformdirs

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
APP_NAME = "nantong-cockpit"


def resource(*parts: str) -> Path:
    path = RESOURCES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shipped resource missing: {path} (is the installation complete?)")
    return path


def user_cache_dir() -> Path:
    path = Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    path = Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path
