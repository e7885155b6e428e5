"""Row-level data kept apart (SPEC §7): the aggregated serving file and its exports, which may
be handed to BI users, hold no row-level mart and no pseudonymous id or delivery file name;
the restricted file and export folder hold them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from data_contracts.published import ROW_LEVEL_MARTS
from tests.conftest import PipelineRun


def _tables(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        }


def _row_level_values(settings) -> set[str]:
    """Values only row-level data carries: plan and meeting ids and delivery file names."""
    with duckdb.connect(str(settings.restricted_serving_path), read_only=True) as con:
        values = con.execute(
            "SELECT sip_id FROM marts.overdue_follow_ups UNION SELECT meeting_id "
            "FROM marts.overdue_follow_ups UNION SELECT file FROM marts.data_quality"
        ).fetchall()
    return {v[0] for v in values}


def _text_in_serving_file(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        texts = []
        for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall():
            frame = con.execute(f'SELECT * FROM marts."{table}"').df()
            texts.append(frame.astype(str).to_csv())
    return "\n".join(texts)


def test_aggregated_serving_file_and_exports_hold_no_row_level_data(
    demo_pipeline: PipelineRun,
) -> None:
    settings = demo_pipeline.settings
    secret = _row_level_values(settings)
    assert len(secret) > 10  # the demo has overdue follow-ups and delivery files

    aggregated = _tables(settings.serving_path)
    assert {"kpi", "sipkollen"} <= aggregated
    assert aggregated.isdisjoint(ROW_LEVEL_MARTS)
    text = _text_in_serving_file(settings.serving_path)
    assert [v for v in secret if v in text] == []

    exported = sorted(settings.export_path.iterdir())
    assert {p.stem for p in exported} == aggregated
    for file in exported:
        content = file.read_bytes()
        assert [v for v in secret if v.encode() in content] == [], file.name


def test_restricted_file_and_folder_hold_the_row_level_marts(demo_pipeline: PipelineRun) -> None:
    settings = demo_pipeline.settings
    assert _tables(settings.restricted_serving_path) == set(ROW_LEVEL_MARTS)
    assert {p.name for p in settings.restricted_export_path.iterdir()} == {
        f"{mart}.{suffix}" for mart in ROW_LEVEL_MARTS for suffix in ("parquet", "csv")
    }
