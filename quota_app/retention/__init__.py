"""Retention (law n°2013-015): how long personal data is kept, and the applicant's erasure.

- rules.py     pure: when a campaign's retention has run out, whose file is anonymised, what
               anonymising leaves, what stops an erasure request
- models.py    the applicants' erasure requests
- services.py  purge_expired(now, dry_run), the erasure request and the manager's decision
- cli.py       `flask purge-expired [--dry-run]`
- views.py     the applicant's request (/candidat/effacement), the managers' list
               (/gestion/effacements)

It sits above the features whose rows it anonymises (applications, screening, committee,
placement, amci) and none of them knows it.
"""
