"""Generate the warning sounds (resources/sounds/<level>.wav): one distinct pattern per level.

Red: a fast two-tone siren; orange: three urgent beeps; yellow: two beeps;
blue: one soft chime. 16-bit mono PCM, 22.05 kHz, made from sine waves here,
so the repository needs no third-party recordings. Run: python build/make_sounds.py
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 22050
OUT = Path(__file__).resolve().parents[1] / "resources" / "sounds"


def tone(freq: float, seconds: float, volume: float = 0.6) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    wave_ = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)  # a harmonic: audible on small speakers
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms ramps: no clicks
    return volume * wave_ / 1.3 * fade


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds))


PATTERNS = {
    "red": lambda: np.concatenate([np.concatenate([tone(960, 0.18, 0.9), tone(720, 0.18, 0.9)]) for _ in range(4)]),
    "orange": lambda: np.concatenate([np.concatenate([tone(880, 0.15, 0.8), silence(0.08)]) for _ in range(3)]),
    "yellow": lambda: np.concatenate([tone(660, 0.2, 0.6), silence(0.12), tone(660, 0.2, 0.6)]),
    "blue": lambda: tone(523, 0.45, 0.45) * np.exp(-np.linspace(0, 3, int(RATE * 0.45))),
}


def write(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for level, pattern in PATTERNS.items():
        write(OUT / f"{level}.wav", pattern())
        print(f"wrote {OUT / f'{level}.wav'}")


if __name__ == "__main__":
    main()
