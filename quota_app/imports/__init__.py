"""Spreadsheet imports into a campaign: applicants typed from paper forms, offers of seats.

common      ImportResult, file reading (sha256, safety), ImportRun + audit recording
applicants  the applicants sheet: dry run, all-or-nothing commit, idempotent on NINA/passport
offers      the offers sheet: create or update the campaign's offers
"""
