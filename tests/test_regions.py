"""SCB's code lists shipped as data: complete, consistent, and covering every code the demo
data uses."""

from __future__ import annotations

from collections import Counter

from data_contracts.regions import counties, municipalities
from pipelines.demo_data import MUNICIPALITIES as DEMO_MUNICIPALITIES

# Municipalities per county in SCB's division (unchanged since 2007).
PER_COUNTY = {
    "01": 26, "03": 8, "04": 9, "05": 13, "06": 13, "07": 8, "08": 12, "09": 1, "10": 5,
    "12": 33, "13": 6, "14": 49, "17": 16, "18": 12, "19": 10, "20": 15, "21": 10, "22": 7,
    "23": 8, "24": 15, "25": 14,
}  # fmt: skip


def test_290_municipalities_in_21_counties() -> None:
    assert len(municipalities()) == 290 and len(counties()) == 21
    assert Counter(code[:2] for code in municipalities()) == PER_COUNTY
    assert set(PER_COUNTY) == set(counties())
    assert len(set(municipalities().values())) == 290  # names are unique
    assert all(len(code) == 4 and code.isdigit() for code in municipalities())


def test_well_known_codes() -> None:
    assert municipalities()["0180"] == "Stockholm"
    assert municipalities()["1480"] == "Göteborg"
    assert municipalities()["1280"] == "Malmö"
    assert municipalities()["0331"] == "Heby"  # moved to Uppsala län in 2007
    assert municipalities()["2584"] == "Kiruna"
    assert counties()["14"] == "Västra Götalands län"


def test_every_demo_code_has_a_name() -> None:
    assert set(DEMO_MUNICIPALITIES) <= set(municipalities())
    assert set(DEMO_MUNICIPALITIES.values()) <= set(counties())
