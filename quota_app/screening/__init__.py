"""Managers' work on applications: search, file view, eligibility screening, export."""
