"""Spreadsheet imports into a campaign: applicants typed from paper forms, offers of seats,
the follow-up returned by the AMCI / OFPPT.

common      ImportResult, file reading (sha256, safety), ImportRun + audit recording
applicants  the applicants sheet: dry run, all-or-nothing commit, idempotent on NINA/passport
offers      the offers sheet: create or update the campaign's offers
followup    the AMCI / OFPPT follow-up sheet: visa, travel, arrival, enrolment of placed trainees
"""
