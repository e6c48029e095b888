"""How to reach the person behind a file: the account's choices (auth/contacts.py) completed
by what the file itself carries (a paper file may have only a phone)."""
from ..auth.contacts import contact_of


def applicant_contact(application):
    user = application.applicant.user if application.applicant else None
    return contact_of(user, email=application.email, phone=application.phone)
