"""Where the shipped resources are (next to the packages, and in a PyInstaller bundle's data)."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def resource(*parts: str) -> Path:
    path = RESOURCES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shipped resource missing: {path} (is the installation complete?)")
    return path
