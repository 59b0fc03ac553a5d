"""Accounting exports of a period: revenue journal, DATEV, SIE 4, CSV/Parquet tables and OCPI CDRs."""
