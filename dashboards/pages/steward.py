"""Data steward: a verdict per delivery, late deliveries, a masked fix list per delivery for the
source system, rule failures, freshness, and the contracts with their changelog."""

from datetime import date
from pathlib import PurePath

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.auth import require_page, row_level_query, show_access_log
from dashboards.charts import explain_if_empty, show_chart, style
from dashboards.chrome import page_header
from dashboards.exports import download_buttons, table_with_downloads
from dashboards.i18n import t
from dashboards.palette import COLOURS
from dashboards.url_state import url_select
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
            placeholder=t("common.choose"),
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

# What the summary lists, the most serious first; the first two make it red.
PERSONAL_DATA, REJECTED, LATE, QUARANTINE, NOT_READ, NOTICE, WITHDRAWN, GONE = range(8)
TOP_RULES = 3


def summary_items() -> list[tuple[int, str]]:
    """(severity, line) per thing the steward must act on, the most serious first: personal
    data, a rejected delivery, a late entity, rows in quarantine (one line per entity, naming
    its files; the fix list has every row), a file that was not read (the steward must hear
    of it, or the data is lost unseen), the readers' notices."""
    items: list[tuple[int, str]] = []
    for row in deliveries[deliveries["verdict"] == "rejected"].itertuples():
        rejected = t(
            "steward.verdict_rejected",
            verdict=t("steward.verdicts.rejected"),
            entity=entity_label(row.entity),
            file=plain(row.file),
            error=plain(row.error),
            version=plain(row.contract_version or "–"),
            change=t(f"steward.changes.{row.change}"),
        )
        items.append((REJECTED, f"⛔ {rejected}"))
    with_errors = deliveries[deliveries["verdict"] == "accepted_with_errors"]
    rules = row_level_query(
        "rule_failures",
        "SELECT entity, rule_title, sum(rows_failed)::BIGINT AS n FROM marts.data_quality_rules "
        "GROUP BY ALL ORDER BY entity, n DESC, rule_title",
    )
    for entity, group in with_errors.groupby("entity", sort=True):
        top = rules[rules["entity"] == entity].head(TOP_RULES)
        line = t(
            "steward.entity_errors",
            entity=entity_label(entity),
            quarantined=int(group["rows_quarantined"].sum()),
            read=int(group["rows_read"].sum()),
            deliveries=len(group),
            files=", ".join(plain(f) for f in group["file"]),
            rules="; ".join(f"{plain(r.rule_title)} ({r.n})" for r in top.itertuples()),
        )
        pii = int(group["pii_findings"].sum())
        if pii:
            items.append((PERSONAL_DATA, f"🔒 {line} {t('steward.pii_alert', count=pii)}"))
        else:
            items.append((QUARANTINE, f"⚠️ {line}"))
    for row in freshness[freshness["late"]].itertuples():
        entity = entity_label(row.entity)
        if pd.isna(row.delivered_at):
            items.append((LATE, "⏰ " + t("steward.never_delivered", entity=entity)))
        else:
            late = t(
                "steward.late_alert",
                entity=entity,
                days=row.days_since_delivery,
                cadence=t(f"steward.cadences.{row.cadence}"),
                due=pd.Timestamp(row.next_due).date().isoformat(),
            )
            items.append((LATE, f"⏰ {late}"))
    for row in deliveries[deliveries["verdict"] == "ignored"].itertuples():
        ignored = t("steward.ignored", path=plain(row.file), reason=plain(row.error))
        items.append((NOT_READ, f"📁 {ignored}"))
    for row in deliveries.itertuples():
        for notice in row.notices if row.notices is not None else ():
            where = f"{entity_label(row.entity)}, {plain(row.file)}"
            items.append((NOTICE, f"ℹ️ {where}: {plain(notice)}"))
    for row in deliveries[deliveries["verdict"] == "withdrawn"].itertuples():
        withdrawn = t(
            "steward.withdrawn",
            entity=entity_label(row.entity),
            file=plain(row.file),
            by=plain(row.withdrawn_by),
            at=pd.Timestamp(row.withdrawn_at).date().isoformat(),
            reason=plain(row.withdrawal_reason),
        )
        items.append((WITHDRAWN, f"↩️ {withdrawn}"))
    # A loaded file that left the landing folder stays loaded; the steward should know.
    for row in deliveries[deliveries["in_landing"].eq(False)].itertuples():
        if row.verdict != "withdrawn":
            gone = t("steward.gone", entity=entity_label(row.entity), file=plain(row.file))
            items.append((GONE, f"📦 {gone}"))
    return sorted(items, key=lambda item: item[0])


# What needs the steward first, above every tab: one summary with a list, not a banner each.
items = summary_items()
accepted = int((deliveries["verdict"] == "accepted").sum())
accepted_line = t("steward.all_accepted", count=accepted) if accepted else ""
if items:
    lines = [f"**{t('steward.summary', count=len(items))}**", ""]
    lines += [f"- {line}" for _, line in items]
    alert = st.error if items[0][0] <= REJECTED else st.warning
    alert("\n".join([*lines, "", accepted_line]).strip())
else:
    st.success(f"{t('steward.nothing_to_fix')} {accepted_line}".strip())

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
            shown,
            "leveranser",
            labels(shown),
            source="marts.data_quality",
            suppression=False,
            title=t("steward.deliveries"),
        )
    withdraw_form(deliveries)

with fix_tab:
    st.write(t("steward.fix_list_intro"))
    # Every delivery's rows in one list; the filters narrow it to what one source must fix.
    fixes = row_level_query(
        "quarantine",
        "SELECT q.entity, q.file, q.line_number, q.entity_id, r.field_label, "
        "CASE WHEN r.field IS NULL THEN json_extract_string(q.record, 'line') "
        "ELSE json_extract_string(q.record, r.field) END AS value, "
        "r.rule_name, r.expected "
        "FROM (SELECT entity, file, line_number, entity_id, record, unnest(rules) AS rule "
        "      FROM marts.quarantine) AS q "
        "JOIN marts.data_quality_rules AS r USING (entity, file, rule) "
        "ORDER BY q.entity, q.file, q.line_number, r.rule_name, r.field_label",
    )
    if fixes.empty:
        st.success(t("steward.no_fix_list"))
    else:
        # Each filter narrows the next one's choices; none chosen means all.
        filters = (
            ("entity", "steward.entity", entity_label, "w_fix_entity"),
            ("file", "steward.file", mask_text, "w_fix_file"),
            ("rule_name", "steward.rule", str, "w_fix_rule"),
        )
        for place, (column, label, shown_as, key) in zip(st.columns(3), filters, strict=True):
            chosen = place.multiselect(
                t(label),
                list(dict.fromkeys(fixes[column])),
                format_func=shown_as,
                key=key,
                placeholder=t("common.all"),
            )
            fixes = fixes[fixes[column].isin(chosen)] if chosen else fixes
        # Named by what it holds and the day it was made, for the source's administrator.
        scope = [fixes["entity"].iloc[0]] if fixes["entity"].nunique() == 1 else []
        scope += [PurePath(fixes["file"].iloc[0]).stem] if fixes["file"].nunique() == 1 else []
        name = mask_text("_".join(["rattningslista", *scope, date.today().isoformat()]))
        # The pipeline masked personal data already; mask again so nothing can slip through.
        fixes = fixes.assign(
            entity=fixes["entity"].map(entity_label),
            **{
                c: fixes[c].map(mask_text, na_action="ignore")
                for c in ("file", "entity_id", "value")
            },
        )
        shown = fixes.rename(columns=labels(fixes))
        st.dataframe(shown, width="stretch", hide_index=True)
        download_buttons(
            shown,
            name,
            source="marts.quarantine",
            suppression=False,
            title=t("steward.fix_list_title"),
        )

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
            title=t("steward.rules_title", entity=entity_label(entity)),
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
        shown,
        "aktualitet",
        labels(shown),
        source="marts.freshness",
        suppression=False,
        title=t("steward.freshness"),
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
                    t("steward.type"): [
                        t(f"steward.field_types.{f.type}") for f in contract.fields
                    ],
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
