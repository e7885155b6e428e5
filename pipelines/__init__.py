"""Dagster code location for the SIP quality follow-up pipeline."""
