"""Data steward: a verdict per delivery, late deliveries, a masked fix list per delivery for the
source system, rule failures, freshness, and the contracts with their changelog."""

from datetime import date
from pathlib import PurePath

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.auth import require_page, row_level_query, show_access_log
from dashboards.components import (
    COLOURS,
    download_buttons,
    explain_if_empty,
    page_header,
    show_chart,
    style,
    table_with_downloads,
    url_select,
)
from dashboards.i18n import t
from data_contracts.changelog import contract_changes
from data_contracts.contracts import ENTITIES, load_contracts, load_survey
from data_contracts.pii import mask_text
from data_contracts.safe_text import plain_html, plain_markdown
from data_contracts.settings import Settings
from data_contracts.withdrawals import WithdrawalError, request_withdrawal

viewer = require_page("steward")
info = page_header("steward.title", t("steward.intro"))
if info is None:
    st.stop()

CONTRACTS = load_contracts()


def entity_label(entity: str) -> str:
    return CONTRACTS[entity].title_sv if entity in CONTRACTS else entity


def delivery_label(key: str) -> str:
    """`entity/file` as the steward reads it: the entity's Swedish title · the file."""
    entity, file = key.split("/", 1)
    return f"{entity_label(entity)} · {file}"


def labels(frame: pd.DataFrame) -> dict[str, str]:
    return {c: t(f"steward.columns.{c}") for c in frame.columns}


def plain(value: object) -> str:
    """A value from the data, masked and safe to put into Markdown."""
    return plain_markdown(mask_text(str(value)))


def withdraw_form(deliveries: pd.DataFrame) -> None:
    """The steward's explicit withdrawal of a loaded delivery, with a reason: filed as a request
    (data_contracts.withdrawals) that the next run applies; the page never writes the warehouse."""
    loaded = deliveries[~deliveries["verdict"].isin(["rejected", "ignored", "withdrawn"])]
    if loaded.empty:
        return
    st.subheader(t("steward.withdraw"), divider=False)
    st.caption(t("steward.withdraw_intro"))
    keys = [f"{row.entity}/{row.file}" for row in loaded.itertuples()]
    with st.form("withdraw", clear_on_submit=True):
        chosen = st.selectbox(
            t("steward.delivery"),
            keys,
            format_func=lambda key: (
                f"{entity_label(key.split('/', 1)[0])} · {key.split('/', 1)[1]}"
            ),
            key="withdraw_delivery",
        )
        reason = st.text_input(t("steward.withdraw_reason"), key="withdraw_reason")
        submitted = st.form_submit_button(t("steward.withdraw_button"), key="withdraw_submit")
    if submitted:
        entity, file = chosen.split("/", 1)
        try:
            request_withdrawal(
                Settings.from_env().withdrawal_requests_path, entity, file, reason, viewer.user
            )
        except WithdrawalError as exc:
            st.error(t("steward.withdraw_refused", error=plain(exc)))
        else:
            st.success(t("steward.withdraw_filed", entity=entity_label(entity), file=plain(file)))


deliveries = row_level_query(
    "deliveries",
    "SELECT entity, file, verdict, change, rows_read, rows_accepted, rows_quarantined, "
    "pii_findings, array_to_string(top_rules, '; ') AS top_rules, contract_version, "
    "delivered_at, coalesce(error, '') AS error, notices, "
    # A folder that was not read (verdict `ignored`) is still in the landing folder.
    "coalesce(in_landing, true) AS in_landing, withdrawn_at, withdrawn_by, withdrawal_reason "
    "FROM marts.data_quality ORDER BY entity, file",
)
freshness = row_level_query(
    "freshness",
    "SELECT entity, latest_file, delivered_at::DATE AS delivered_at, cadence, next_due, "
    "current_date - delivered_at::DATE AS days_since_delivery, "
    "coalesce(current_date > next_due, true) AS late, latest_event_date "
    "FROM marts.freshness ORDER BY entity",
)

# What needs the steward first: personal data and late deliveries, above every tab.
for row in deliveries[deliveries["pii_findings"] > 0].itertuples():
    st.error(
        t(
            "steward.pii_alert",
            entity=entity_label(row.entity),
            file=plain(row.file),
            count=row.pii_findings,
        ),
        icon="🔒",
    )
for row in freshness[freshness["late"]].itertuples():
    entity = entity_label(row.entity)
    if pd.isna(row.delivered_at):
        st.warning(t("steward.never_delivered", entity=entity), icon="⏰")
    else:
        st.warning(
            t(
                "steward.late_alert",
                entity=entity,
                days=row.days_since_delivery,
                cadence=t(f"steward.cadences.{row.cadence}"),
                due=pd.Timestamp(row.next_due).date().isoformat(),
            ),
            icon="⏰",
        )

deliveries_tab, fix_tab, rules_tab, freshness_tab, contracts_tab = st.tabs(
    [
        t("steward.deliveries"),
        t("steward.fix_list"),
        t("steward.rules"),
        t("steward.freshness"),
        t("steward.contracts"),
    ]
)
with deliveries_tab:
    # One red line per delivery the source system must act on: rejected, or rows in quarantine.
    settled = ["accepted", "ignored", "withdrawn"]
    for row in deliveries[~deliveries["verdict"].isin(settled)].itertuples():
        common = {
            "verdict": t(f"steward.verdicts.{row.verdict}"),
            "entity": entity_label(row.entity),
            "file": plain(row.file),
            "version": plain(row.contract_version or "–"),
            "change": t(f"steward.changes.{row.change}"),
        }
        if row.verdict == "rejected":
            st.error(t("steward.verdict_rejected", error=plain(row.error), **common), icon="⛔")
        else:
            st.error(
                t(
                    "steward.verdict_errors",
                    quarantined=row.rows_quarantined,
                    read=row.rows_read,
                    rules=plain(row.top_rules),
                    **common,
                ),
                icon="⚠️",
            )
    # What was delivered but not read: the steward must hear of it, or the data is lost unseen.
    for row in deliveries[deliveries["verdict"] == "ignored"].itertuples():
        st.warning(t("steward.ignored", path=plain(row.file), reason=plain(row.error)), icon="📁")
    for row in deliveries.itertuples():
        for notice in row.notices if row.notices is not None else ():
            st.warning(f"{entity_label(row.entity)}, {plain(row.file)}: {plain(notice)}")
    for row in deliveries[deliveries["verdict"] == "withdrawn"].itertuples():
        st.info(
            t(
                "steward.withdrawn",
                entity=entity_label(row.entity),
                file=plain(row.file),
                by=plain(row.withdrawn_by),
                at=pd.Timestamp(row.withdrawn_at).date().isoformat(),
                reason=plain(row.withdrawal_reason),
            ),
            icon="↩️",
        )
    for row in deliveries[deliveries["in_landing"].eq(False)].itertuples():
        if row.verdict != "withdrawn":
            st.info(t("steward.gone", entity=entity_label(row.entity), file=plain(row.file)))
    accepted = int((deliveries["verdict"] == "accepted").sum())
    if accepted:
        st.success(t("steward.all_accepted", count=accepted))
    if not explain_if_empty(deliveries, 0):
        shown = deliveries.drop(columns=["notices", "withdrawn_at", "withdrawn_by"]).assign(
            entity=deliveries["entity"].map(entity_label),
            verdict=deliveries["verdict"].map(lambda v: t(f"steward.verdicts.{v}")),
            change=deliveries["change"].map(lambda c: t(f"steward.changes.{c}")),
            in_landing=deliveries["in_landing"].map(
                lambda kept: t("steward.answer_yes") if kept else t("steward.answer_no")
            ),
            withdrawal_reason=deliveries["withdrawal_reason"].fillna(""),
        )
        table_with_downloads(
            shown, "leveranser", labels(shown), source="marts.data_quality", suppression=False
        )
    withdraw_form(deliveries)

with fix_tab:
    st.write(t("steward.fix_list_intro"))
    with_errors = deliveries[deliveries["rows_quarantined"] > 0]
    options = [f"{row.entity}/{row.file}" for row in with_errors.itertuples()]
    chosen = url_select(
        t("steward.delivery"),
        options,
        "delivery",
        delivery_label,
    )
    if chosen is None:
        st.success(t("steward.no_fix_list"))
    else:
        entity, file = chosen.split("/", 1)
        fixes = row_level_query(
            "quarantine",
            "SELECT q.line_number, q.entity_id, r.field_label, "
            "CASE WHEN r.field IS NULL THEN json_extract_string(q.record, 'line') "
            "ELSE json_extract_string(q.record, r.field) END AS value, "
            "r.rule_name, r.expected "
            "FROM (SELECT entity, file, line_number, entity_id, record, unnest(rules) AS rule "
            "      FROM marts.quarantine WHERE entity = ? AND file = ?) AS q "
            "JOIN marts.data_quality_rules AS r USING (entity, file, rule) "
            "ORDER BY q.line_number, r.rule_name, r.field_label",
            [entity, file],
        )
        # The pipeline masked personal data already; mask again so nothing can slip through.
        for column in ("entity_id", "value"):
            fixes[column] = fixes[column].map(mask_text, na_action="ignore")
        shown = fixes.rename(columns=labels(fixes))
        st.dataframe(shown, width="stretch", hide_index=True)
        # Named by the delivery and the day the list was made, for the source's administrator.
        name = f"rattningslista_{entity}_{PurePath(file).stem}_{date.today().isoformat()}"
        download_buttons(shown, mask_text(name), source="marts.quarantine", suppression=False)

with rules_tab:
    entity = url_select(t("steward.entity"), ENTITIES, "entity", entity_label)
    rules = row_level_query(
        "rule_failures",
        "SELECT file, rule_title, expected, rows_failed FROM marts.data_quality_rules "
        "WHERE entity = ? ORDER BY rows_failed DESC, rule_title",
        [entity],
    )
    if rules.empty:
        st.success(t("steward.no_quarantine"))
    else:
        per_rule = (
            rules.groupby("rule_title", as_index=False)["rows_failed"]
            .sum()
            .sort_values("rows_failed")
        )
        fig = go.Figure(
            go.Bar(
                x=per_rule["rows_failed"],
                y=per_rule["rule_title"].map(plain_html),
                orientation="h",
                marker_color=COLOURS["main"],
                text=per_rule["rows_failed"],
                textposition="outside",
            )
        )
        show_chart(
            style(
                fig,
                t("steward.rules_title", entity=entity_label(entity)),
                height=max(360, 60 + 40 * len(per_rule)),
            ),
            per_rule.rename(columns=labels(per_rule)),
        )
        table_with_downloads(
            rules,
            f"regelbrott_{entity}",
            labels(rules),
            source="marts.data_quality_rules",
            suppression=False,
        )

with freshness_tab:
    shown = freshness.assign(
        entity=freshness["entity"].map(entity_label),
        cadence=freshness["cadence"].map(lambda c: t(f"steward.cadences.{c}")),
        late=freshness["late"].map(
            lambda late: t("steward.answer_yes") if late else t("steward.answer_no")
        ),
    )
    table_with_downloads(
        shown, "aktualitet", labels(shown), source="marts.freshness", suppression=False
    )

with contracts_tab:
    for name, contract in CONTRACTS.items():
        with st.expander(f"{contract.title_sv} ({name})"):
            st.caption(
                t(
                    "steward.contract_version",
                    version=contract.version,
                    owner=contract.owner,
                    cadence=t(f"steward.cadences.{contract.delivery_cadence}"),
                )
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
            st.subheader(t("steward.changelog"), divider=False)
            changes = pd.DataFrame([c.__dict__ for c in contract_changes(name)])
            if changes.empty:
                st.caption(t("steward.first_version"))
            else:
                st.dataframe(changes.rename(columns=labels(changes)), hide_index=True)
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

show_access_log()
