"""Simplified Chinese is the default UI: every string in the code must be translated."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_extracted_string_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "fail:2",
                    "-k", "DomainError:1", "-k", "ImportFailed:1", "-k", "RowProblem:3",
                    "--ignore-dirs=.venv tests bench migrations .git instance",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with open(CATALOG, "rb") as fh:
        catalog = {m.id: m for m in read_po(fh) if m.id}
    missing = sorted(wanted - {i for i, m in catalog.items() if m.string and not m.fuzzy})
    assert not missing, f"untranslated (run `make messages` and translate): {missing[:10]}"


def test_placeholders_survive_translation():
    with open(CATALOG, "rb") as fh:
        for message in read_po(fh):
            if message.id and message.string:
                assert set(PLACEHOLDER.findall(message.id)) == \
                    set(PLACEHOLDER.findall(message.string)), message.id
