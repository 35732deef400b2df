"""Where the cockpit keeps its per-user files."""

from pathlib import Path

import platformdirs

APP_NAME = "nantong-cockpit"


def user_cache_dir() -> Path:
    path = Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    path = Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path
