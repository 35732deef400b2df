"""One sound per warning level (QSoundEffect). With no audio device, or no QtMultimedia, it stays silent."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl

from kernel import levels
from kernel.paths import resource

log = logging.getLogger(__name__)

try:  # QtMultimedia is in PySide6-Addons and needs the system's audio libraries
    from PySide6.QtMultimedia import QSoundEffect
except ImportError as exc:  # pragma: no cover - depends on the machine
    QSoundEffect = None
    _IMPORT_PROBLEM = str(exc)
else:
    _IMPORT_PROBLEM = ""


class LevelSounds(QObject):
    """Plays each level's sound from resources/sounds; `available` tells whether anything can be heard."""

    def __init__(self, parent: QObject | None = None, *, enabled: bool = True) -> None:
        super().__init__(parent)
        self.enabled = enabled and QSoundEffect is not None
        self._effects: dict[str, QSoundEffect] = {}
        self.played: list[tuple[str, bool]] = []  # (level, loud): what was asked, for status and tests
        if enabled and QSoundEffect is None:
            log.warning("warning sounds are off: QtMultimedia is unavailable (%s); warnings stay visual",
                        _IMPORT_PROBLEM)
        if not self.enabled:
            return
        for level in levels.WARNING_LEVELS:
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(resource("sounds", level.sound))))
            self._effects[level.code] = effect

    @property
    def available(self) -> bool:
        return self.enabled and any(e.status() != QSoundEffect.Status.Error for e in self._effects.values())

    def play(self, level: str, *, loud: bool = False) -> None:
        """Louder and repeated when escalated. Never raises: a warning must not fail for want of a speaker."""
        effect = self._effects.get(level)
        if effect is None:
            return
        self.played.append((level, loud))
        try:
            effect.setVolume(1.0 if loud else 0.7)
            effect.setLoopCount(3 if loud else 1)
            effect.play()
        except RuntimeError as exc:  # pragma: no cover - a backend failure
            log.warning("could not play the %s warning sound: %s", level, exc)
