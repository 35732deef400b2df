"""Subset Noto Sans SC (SIL OFL 1.1) to what the cockpit needs.

Keeps ASCII, Latin-1, CJK punctuation, full-width forms and the GB 2312 hanzi
(6,763 characters: every common simplified character and every Nantong place
name we show). Run once when the font is upgraded:

    python build/subset_font.py NotoSansSC-Regular.ttf resources/fonts/NotoSansSC-Regular.subset.ttf
"""

import contextlib
import sys

from fontTools import subset


def gb2312_characters() -> str:
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.append(bytes([high, low]).decode("gb2312"))
    return "".join(chars)


def main(source: str, target: str) -> None:
    text = gb2312_characters() + "".join(chr(c) for c in range(0x20, 0x250))
    text += "".join(chr(c) for c in range(0x2000, 0x2BFF))  # punctuation, arrows, shapes
    text += "".join(chr(c) for c in range(0x3000, 0x303F))  # CJK punctuation
    text += "".join(chr(c) for c in range(0xFF00, 0xFFEF))  # full-width forms
    text += "栟"  # town-name characters outside GB 2312 (栟茶镇)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    subset.save_font(font, target, options)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
