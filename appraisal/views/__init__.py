"""The appraisal app's pages: daily sheets, the quarter workbench and the event ledger."""
