"""What the placement tells each candidate, in French, through the outbox (sent after commit),
by e-mail and/or SMS after what the candidate has and prefers (notifications.notify)."""
from __future__ import annotations

from ..notifications.services import Contact, notify


def _when(moment) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M") + " (heure de Bamako)" if moment else "—"


def _account(application) -> tuple[int | None, str | None, str | None, str | None]:
    """(user id, e-mail, phone, preference) of the applicant's account, in one query (a paper
    file has none)."""
    from sqlalchemy import select

    from ..applications.models import Applicant
    from ..auth.models import User
    from ..extensions import db

    found = db.session.execute(
        select(User.id, User.email, User.phone, User.contact_preference)
        .join(Applicant, Applicant.user_id == User.id).where(Applicant.id == application.applicant_id)).first()
    return tuple(found) if found else (None, None, None, None)


def offer_text(offer, offer_id: int | None = None) -> str:
    """« Filière (niveau) — établissement, ville », in one query (a cascade writes it for
    each seat it offers; four lazy loads cost as much as the rest of the message)."""
    from sqlalchemy import select

    from ..campaigns.models import Offer
    from ..extensions import db
    from ..reference.models import Establishment, Level, Programme

    title, level, name, city = db.session.execute(
        select(Programme.title, Level.code, Establishment.name, Establishment.city)
        .select_from(Offer).join(Programme, Programme.id == Offer.programme_id)
        .join(Level, Level.id == Programme.level_id).join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.id == (offer_id if offer_id is not None else offer.id))).one()
    return f"{title} ({level}) — {name}, {city}"


def send_to_applicant(application, subject: str, lines: list[str], sms_text: str):
    user_id, email, phone, prefers = _account(application)
    contact = Contact(email=application.email or email, phone=phone or application.phone,
                      prefers=prefers or "both", user_id=user_id)
    name = application.full_name or "Madame, Monsieur"
    body = f"Bonjour {name},\n\n" + "\n".join(lines) + "\n\nLa DNFP"
    return notify(contact, subject, body, sms_text, application_id=application.id, reference=application.reference,
                  link_path=f"/candidat/dossier/{application.id}/affectation")


def _short(moment) -> str:
    return moment.strftime("%d/%m %H:%M") if moment else "—"


def notify_offer(application, placement, waiting_list: bool = False) -> None:
    """A seat offered: which, until when, how to answer."""
    how = ("Connectez-vous à votre espace candidat, rubrique « Mon affectation », pour accepter ou "
           "refuser cette place.")
    first = ("Une place s'est libérée et vous êtes le premier candidat en liste d'attente : "
             if waiting_list else "À l'issue de la sélection, ")
    offer = offer_text(None, placement.offer_id)
    freed = "une place s'est libérée pour vous" if waiting_list else "une place vous est proposée"
    send_to_applicant(application, f"Dossier {application.reference} : une place vous est proposée", [
        f"{first}une place vous est proposée en {offer} (votre choix n° {placement.choice_rank}).",
        f"Vous devez répondre avant le {_when(placement.deadline)}. Sans réponse à cette date, la place "
        "est considérée comme refusée et proposée au candidat suivant.",
        how,
    ], f"Quota DNFP : {freed} ({offer.split(' — ')[0][:40]}). Répondez avant le {_short(placement.deadline)}, "
       "sinon elle est perdue.")


def notify_waiting(application, positions: list[tuple[str, int]]) -> None:
    """Not placed (yet): the position on each waiting list."""
    lines = [f"- {label} : {position}e sur la liste d'attente" for label, position in positions]
    send_to_applicant(application, f"Dossier {application.reference} : vous êtes en liste d'attente", [
        "À l'issue de la sélection, aucune place ne vous est proposée pour le moment. Vous êtes inscrit "
        "sur la liste d'attente de vos choix :",
        *lines,
        "Si une place se libère, elle vous sera proposée par message et dans votre espace candidat ; vous "
        "aurez alors un délai pour répondre.",
    ], "Quota DNFP : pas de place pour l'instant ; vous êtes en liste d'attente"
       + (f" (rang {min(p for _l, p in positions)})." if positions else "."))


def notify_waiting_also(application, positions: list[tuple[str, int]]) -> None:
    """Placed, and on the waiting lists of better choices: said in the same message's spirit."""
    if not positions:
        return
    lines = [f"- {label} : {position}e sur la liste d'attente" for label, position in positions]
    send_to_applicant(application, f"Dossier {application.reference} : vos listes d'attente", [
        "Vous êtes aussi inscrit sur la liste d'attente de choix que vous avez mieux classés :",
        *lines,
        "En acceptant la place proposée, vous pourrez choisir de rester sur ces listes d'attente.",
    ], "Quota DNFP : vous êtes aussi en liste d'attente de choix mieux classés.")


def notify_not_selected(application, explanations: list[str]) -> None:
    """Not retained: why, choice by choice."""
    lines = [f"- {text}" for text in explanations] or [
        "- Aucun de vos choix ne correspond à votre profil (niveau, diplôme, série ou âge)."]
    send_to_applicant(application, f"Dossier {application.reference} : résultat de la sélection", [
        "À l'issue de la sélection, nous ne pouvons pas vous proposer de place. Pour chacun de vos choix :",
        *lines,
        "Le détail figure dans votre espace candidat.",
    ], "Quota DNFP : nous ne pouvons pas vous proposer de place ; détail dans votre espace.")


def notify_expired(application, placement) -> None:
    send_to_applicant(application, f"Dossier {application.reference} : la place proposée a expiré", [
        f"Vous n'avez pas répondu avant le {_when(placement.deadline)} à la place proposée en "
        f"{offer_text(None, placement.offer_id)}.",
        "Comme prévu par le règlement, le silence vaut refus : la place a été proposée au candidat suivant "
        "et vous ne figurez plus sur les listes d'attente.",
    ], f"Quota DNFP : sans réponse avant le {_short(placement.deadline)}, la place proposée est perdue.")


def notify_extended(application, placement) -> None:
    send_to_applicant(application, f"Dossier {application.reference} : délai de réponse prolongé", [
        f"Le délai pour répondre à la place proposée en {offer_text(None, placement.offer_id)} est prolongé "
        f"jusqu'au {_when(placement.deadline)}.",
    ], f"Quota DNFP : délai de réponse prolongé jusqu'au {_short(placement.deadline)}.")


def notify_reminder(application, placement):
    """24 hours before the deadline, an offer still unanswered."""
    return send_to_applicant(application, f"Dossier {application.reference} : répondez avant le {_when(placement.deadline)}", [
        f"La place proposée en {offer_text(None, placement.offer_id)} attend toujours votre réponse.",
        f"Sans réponse avant le {_when(placement.deadline)}, elle sera considérée comme refusée et proposée au "
        "candidat suivant.",
        "Connectez-vous à votre espace candidat, rubrique « Mon affectation », pour accepter ou refuser.",
    ], f"Quota DNFP : rappel, répondez avant le {_short(placement.deadline)} à la place proposée, sinon elle est perdue.")
