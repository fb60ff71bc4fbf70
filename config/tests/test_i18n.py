"""The Chinese catalogue is complete, compiled and used by default."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_of_the_chinese_catalogue_is_translated():
    po = polib.pofile(str(CATALOGUE / "django.po"))

    missing = [entry.msgid for entry in po if not entry.translated()]
    fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags]

    assert missing == []
    assert fuzzy == []


def test_the_committed_compiled_catalogue_matches_the_source():
    # A fresh machine has no gettext tools: the .mo in git is what it uses.
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))

    def entries(catalogue):
        return {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid
        }

    assert entries(mo) == entries(po)


@pytest.mark.django_db
def test_pages_are_in_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/login/").content.decode()
    english = client.get("/login/", headers={"accept-language": "en"}).content.decode()

    assert "微笑服务考核" in chinese
    assert "Smile Appraisal" in english
    assert "微笑服务考核" not in english
