"""Report queries (RPT-01..07, TEAM-01/02, MKT-02), one module per report; every query is set-based SQL and
returns plain dataclasses. ``common.report_scope`` decides whose figures a person sees (SEC-01)."""
