"""The district's clock: one injected day, its time zone, the development-only pin, and no other wall-clock reads."""
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from fc_shared.clock import Clock
from fc_shared.settings import PlatformSettings

ROOT = Path(__file__).resolve().parents[2]


def test_the_district_day_is_taken_in_the_district_zone():
    # 16:30 UTC on 31 December is already 1 January in Shanghai, still 31 December in London.
    instant = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert Clock("Asia/Shanghai").day_of(instant) == date(2027, 1, 1)
    assert Clock("Europe/London").day_of(instant) == date(2026, 12, 31)
    assert Clock("Asia/Shanghai").day_of(datetime(2026, 12, 31, 15, 59)) == date(2026, 12, 31)  # naive = UTC


def test_a_pinned_day_is_the_day_of_every_moment():
    clock = Clock("Asia/Shanghai", pinned=date(2028, 2, 29))
    assert clock.today() == date(2028, 2, 29) and clock.year() == 2028
    assert clock.day_of(datetime(2030, 6, 1, tzinfo=UTC)) == date(2028, 2, 29)


def test_the_settings_build_the_clock_and_refuse_what_is_not_a_day_or_a_zone():
    settings = PlatformSettings(timezone="Asia/Urumqi", today="2027-04-30")
    clock = Clock.of(settings)
    assert clock.today() == date(2027, 4, 30) and str(clock.zone) == "Asia/Urumqi"
    for bad in ({"today": "20270430"}, {"today": 20270430}, {"today": "2027-02-30"}, {"today": True},
                {"timezone": "Mars/Olympus"}, {"timezone": ""}):
        with pytest.raises(ValidationError):
            PlatformSettings(**bad)


def test_the_pin_is_refused_outside_development(monkeypatch):
    with pytest.raises(ValidationError, match="FC_TODAY"):
        PlatformSettings(env="production", jwt_secret="a-real-secret-0123456789abcdef", today="2027-01-01")
    monkeypatch.setenv("FC_ENV", "production")
    monkeypatch.setenv("FC_JWT_SECRET", "a-real-secret-0123456789abcdef")
    monkeypatch.setenv("FC_TODAY", "2027-01-01")
    with pytest.raises(ValidationError, match="FC_TODAY"):
        PlatformSettings()
    monkeypatch.delenv("FC_TODAY")
    assert PlatformSettings().today is None


WALL_CLOCK = re.compile(r"date\.today\(|datetime\.now\(|datetime\.utcnow\(|utcnow\(\)\.date\(\)|time\.localtime\(")


def test_service_code_reads_the_wall_clock_only_through_the_clock():
    offenders = []
    for path in [*ROOT.glob("services/*/fc_*/**/*.py"), *ROOT.glob("shared/fc_shared/**/*.py")]:
        if path.name == "clock.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if WALL_CLOCK.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
