"""Dagster assets: ingest, validate, model, KPIs, publish."""
