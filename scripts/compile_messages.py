"""Compile every django.po under the project into django.mo without GNU gettext.

The compiled catalogues are committed, so a fresh machine shows the Chinese UI
without any system tools; this script is only for whoever edits a .po file.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po")):
    if ".venv" in po_path.parts:
        continue
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(ROOT)}: {po.percent_translated()}% translated")
