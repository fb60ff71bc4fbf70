"""The appraisal app's pages: daily sheets, the quarter workbench, the event ledger, the
rule settings and "my scores"."""
