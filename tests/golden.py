"""Golden images: a picture drawn from fixed data is compared with an approved PNG, within a tolerance
(after pyqtgraph's tests/image_testing.py). Fonts are the bundled ones, so text draws the same here
and on a fresh machine; antialiasing and FreeType versions may still move a few edge pixels.

After a deliberate change of the look, approve the new pictures with one command:

    COCKPIT_APPROVE_IMAGES=1 python -m pytest tests/views/test_golden_images.py

and look at them (tests/data/golden/*.png) before committing. A failing comparison writes the
picture it got and a difference image next to the test's temporary folder, and names them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

GOLDEN = Path(__file__).parent / "data" / "golden"
APPROVE = os.environ.get("COCKPIT_APPROVE_IMAGES") == "1"
CHANNEL_TOLERANCE = 48  # a pixel differs when one channel moves more than this (0..255)
MAX_DIFFERING = 0.004  # the share of pixels that may differ (text edges, antialiasing)
MAX_MEAN_DIFFERENCE = 1.5  # the mean absolute difference over all channels


def argb(image: QImage) -> np.ndarray:
    """The image as an (h, w, 4) uint8 array, whatever its format."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width()].copy()


def assert_matches_golden(image: QImage, name: str, work: Path) -> None:
    """Compare `image` with tests/data/golden/<name>.png, or write it there when approving."""
    path = GOLDEN / f"{name}.png"
    if APPROVE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        assert image.save(str(path)), f"could not write {path}"
        return
    assert path.exists(), (f"no approved image {path.name}: look at the picture, then approve it with "
                           f"COCKPIT_APPROVE_IMAGES=1 python -m pytest {Path(__file__).parent}/views/test_golden_images.py")
    approved = QImage(str(path))
    got, want = argb(image), argb(approved)
    assert got.shape == want.shape, f"{name}: drawn {got.shape[1]}x{got.shape[0]}, approved {want.shape[1]}x{want.shape[0]}"
    difference = np.abs(got.astype(np.int16) - want.astype(np.int16))
    differing = float((difference.max(axis=2) > CHANNEL_TOLERANCE).mean())
    mean = float(difference.mean())
    if differing > MAX_DIFFERING or mean > MAX_MEAN_DIFFERENCE:
        work.mkdir(parents=True, exist_ok=True)
        image.save(str(work / f"{name}.got.png"))
        diff = QImage(np.ascontiguousarray(np.dstack([np.minimum(difference[..., :3].max(axis=2) * 4, 255)] * 3
                                                      + [np.full(difference.shape[:2], 255)]).astype(np.uint8)).data,
                      got.shape[1], got.shape[0], QImage.Format.Format_RGBA8888).copy()
        diff.save(str(work / f"{name}.diff.png"))
        raise AssertionError(f"{name}: {differing:.2%} of pixels differ (allowed {MAX_DIFFERING:.2%}), mean "
                             f"difference {mean:.2f} (allowed {MAX_MEAN_DIFFERENCE}); see {work}/{name}.got.png "
                             f"and .diff.png; approve a deliberate change as {Path(__file__).name} says")
