"""kpis stage."""
