"""How to reach a person, for the features that write to them (notifications.services.notify):

    from quota_app.auth.contacts import contact_of
    told = notify(contact_of(user, email=application.email, phone=application.phone), subject, body, sms_text,
                  application_id=application.id, reference=application.reference, link_path=...)

The address the file gives comes first (the person typed it on the file), else the account's;
the account's phone comes first (proven by a code), else the file's. A file typed from paper
has no account: contact_of(None, email=..., phone=...) prefers both channels.
"""
from __future__ import annotations

from ..notifications.services import Contact


def contact_of(user=None, *, email: str | None = None, phone: str | None = None) -> Contact:
    return Contact(
        email=email or (user.email if user is not None else None) or None,
        phone=(user.phone if user is not None else None) or phone or None,
        prefers=(user.contact_preference if user is not None else None) or "both",
        user_id=user.id if user is not None else None,
    )
