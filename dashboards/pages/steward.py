"""Data steward: deliveries, rule failures, the masked quarantine, freshness and the contracts."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.components import (
    COLOURS,
    explain_if_empty,
    page_header,
    show_chart,
    style,
    table_with_downloads,
    url_select,
)
from dashboards.data import query
from dashboards.i18n import t
from data_contracts.contracts import ENTITIES, load_contracts, load_survey
from data_contracts.pii import mask_text

info = page_header("steward.title", t("steward.intro"))
if info is None:
    st.stop()


def labels(frame: pd.DataFrame) -> dict[str, str]:
    return {c: t(f"steward.columns.{c}") for c in frame.columns}


deliveries_tab, rules_tab, quarantine_tab, freshness_tab, contracts_tab = st.tabs(
    [
        t("steward.deliveries"),
        t("steward.rules"),
        t("steward.quarantine"),
        t("steward.freshness"),
        t("steward.contracts"),
    ]
)
with deliveries_tab:
    deliveries = query(
        "SELECT entity, file, rows_read, rows_accepted, rows_quarantined, pii_findings, status, "
        "error, contract_version, loaded_at FROM marts.data_quality ORDER BY entity, file"
    )
    pii = int(deliveries["pii_findings"].sum()) if len(deliveries) else 0
    if pii:
        st.error(t("steward.pii_alert", count=pii))
    for row in deliveries[deliveries["status"] == "rejected"].itertuples():
        st.error(f"{row.entity}/{row.file}: {row.error}")
    if not explain_if_empty(deliveries, 0):
        table_with_downloads(deliveries, "leveranser", labels(deliveries))

with rules_tab:
    entity = url_select(t("steward.entity"), ENTITIES, "entity")
    rules = query(
        "SELECT file, rule, rows_failed FROM marts.data_quality_rules WHERE entity = ? "
        "ORDER BY rows_failed DESC",
        [entity],
    )
    if rules.empty:
        st.success(t("steward.no_quarantine"))
    else:
        per_rule = (
            rules.groupby("rule", as_index=False)["rows_failed"].sum().sort_values("rows_failed")
        )
        fig = go.Figure(
            go.Bar(
                x=per_rule["rows_failed"],
                y=per_rule["rule"],
                orientation="h",
                marker_color=COLOURS["main"],
                text=per_rule["rows_failed"],
                textposition="outside",
            )
        )
        show_chart(
            style(
                fig,
                t("steward.rules_title", entity=entity),
                height=max(360, 60 + 40 * len(per_rule)),
            )
        )
        table_with_downloads(rules, f"regelbrott_{entity}", labels(rules))

with quarantine_tab:
    files = query(
        "SELECT DISTINCT file FROM marts.quarantine WHERE entity = ? ORDER BY file", [entity]
    )["file"].tolist()
    chosen_file = url_select(
        t("steward.file"), ["*", *files], "file", lambda f: t("common.all") if f == "*" else f
    )
    quarantine = query(
        "SELECT file, row_number, entity_id, array_to_string(rules, ', ') AS rules, record "
        "FROM marts.quarantine WHERE entity = ? AND (? = '*' OR file = ?) "
        "ORDER BY file, row_number LIMIT 5000",
        [entity, chosen_file, chosen_file],
    )
    if quarantine.empty:
        st.success(t("steward.no_quarantine"))
    else:
        # The pipeline masked personal data already; mask again so nothing can slip through.
        for column in ("entity_id", "record"):
            quarantine[column] = quarantine[column].map(mask_text, na_action="ignore")
        table_with_downloads(quarantine, f"karantan_{entity}", labels(quarantine))

with freshness_tab:
    freshness = query(
        "SELECT entity, latest_file, loaded_at, latest_event_date FROM marts.freshness"
    )
    table_with_downloads(freshness, "aktualitet", labels(freshness))

with contracts_tab:
    for name, contract in load_contracts().items():
        with st.expander(f"{contract.title_sv} ({name})"):
            st.caption(
                t("steward.contract_version", version=contract.version, owner=contract.owner)
            )
            st.write(contract.description_sv)
            fields = pd.DataFrame(
                {
                    t("steward.field"): [f.name for f in contract.fields],
                    t("steward.label"): [f.label_sv for f in contract.fields],
                    t("steward.type"): [f.type for f in contract.fields],
                    t("steward.required"): ["✓" if f.required else "" for f in contract.fields],
                    t("steward.codes"): [
                        ", ".join(f"{c} ({label})" for c, label in (f.codes or {}).items())
                        for f in contract.fields
                    ],
                    t("steward.description"): [f.description_sv for f in contract.fields],
                }
            )
            st.dataframe(fields, width="stretch", hide_index=True)
    survey = load_survey()
    with st.expander(f"{t('steward.survey')} {survey.version}"):
        st.dataframe(
            pd.DataFrame(
                {
                    "id": [q.id for q in survey.questions],
                    "svenska": [q.text_sv for q in survey.questions],
                    "english": [q.text_en for q in survey.questions],
                }
            ),
            width="stretch",
            hide_index=True,
        )
        st.dataframe(
            pd.DataFrame([a.__dict__ for a in survey.scale]), width="stretch", hide_index=True
        )
