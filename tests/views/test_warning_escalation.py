"""Escalation reaches every screen: run on two simulated screens (offscreen, in a process of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = textwrap.dedent("""
    import json, sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication([])
    from cockpit.core.warning import Inbox, WarningMessage, WarningService
    from cockpit.views.warning import WarningCenter

    folder = Path(sys.argv[1])
    window = QWidget()
    window.setGeometry(100, 100, 1280, 800)  # on the first screen only
    window.show()
    service = WarningService(Inbox(folder / "warnings.sqlite"))
    center = WarningCenter(window, service, sounds=False)
    now = datetime.now(UTC)
    service.receive([WarningMessage(id="W000001", origin="central", source="simulator", identifier="urn:1",
                                    sender="s@nantong.gov.cn", sent=now, level="red", headline="危化品企业异常复产")])
    record = service.inbox.find("W000001")
    seen = {"before": sorted(center.banners.banners)}
    center.tick(record.first_shown_at + timedelta(seconds=600))
    app.processEvents()
    seen["escalated"] = {name: [b.isVisible(), b.isWindow(), b.isModal(), b.geometry().x(), b.text()]
                         for name, b in center.banners.banners.items()}
    center.acknowledge(record.local_id)
    app.processEvents()
    seen["after"] = sorted(center.banners.banners)
    print(json.dumps(seen, ensure_ascii=False))
""")


def test_an_escalated_warning_shows_a_banner_on_every_other_screen(tmp_path):
    screens = {"screens": [
        {"name": "wall-1", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "dpr": 1},
        {"name": "wall-2", "x": 1920, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "dpr": 1},
        {"name": "wall-3", "x": 3840, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "dpr": 1}]}
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(screens))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["before"] == [] and seen["after"] == []
    assert sorted(seen["escalated"]) == ["wall-2", "wall-3"]  # not the window's own screen
    visible, is_window, modal, x, text = seen["escalated"]["wall-2"]
    assert visible and is_window and not modal and x == 1920
    assert "红色预警（已升级）" in text and "危化品企业异常复产" in text
