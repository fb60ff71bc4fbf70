"""demo.roster: the data file is the roster, and a mistake in it is named, not a KeyError later."""

import json

import pytest

from demo import roster


@pytest.fixture
def data_file(tmp_path, monkeypatch):
    """A copy of the data file that a test may change; the cached company is read again."""
    path = tmp_path / "company.json"
    path.write_text(roster.DATA_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(roster, "DATA_FILE", path)
    roster.company.cache_clear()
    yield path
    roster.company.cache_clear()


def test_the_roster_reads_the_chinese_names_of_the_data_file():
    entries = roster.demo_roster()

    assert entries[0].number == "D0101"
    assert entries[0].person.name == "王建国"
    assert entries[-1].department.name == "安环部"
    assert roster.company().office.department == "安环部"


def test_a_person_with_an_unknown_profile_is_refused_by_name(data_file):
    data = json.loads(data_file.read_text(encoding="utf-8"))
    data["departments"][0]["people"][1]["profile"] = "bset"
    data_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ValueError, match=r"李晓燕.*'bset'"):
        roster.company()
