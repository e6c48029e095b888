"""Domain errors: each carries a French message fit to show to the user."""


class DomainError(Exception):
    message = "Opération impossible."

    def __init__(self, message: str | None = None):
        self.message = message or self.message
        super().__init__(self.message)


class NotAllowed(DomainError):
    message = "Vous n'avez pas le droit d'effectuer cette opération."


class NotFound(DomainError):
    message = "Élément introuvable."


class InvalidTransition(DomainError):
    """A phase or status change refused; `reasons` lists every precondition that fails."""

    message = "Ce changement d'état n'est pas permis."

    def __init__(self, message: str | None = None, reasons: list[str] | None = None):
        self.reasons = reasons or []
        super().__init__(message)


class ValidationFailed(DomainError):
    message = "Les données saisies sont invalides."

    def __init__(self, message: str | None = None, errors: dict[str, str] | None = None):
        self.errors = errors or {}
        super().__init__(message)


class Conflict(DomainError):
    """Someone else changed the object meanwhile (optimistic locking) or a uniqueness clash."""

    message = "Ce dossier a été modifié par quelqu'un d'autre entre-temps. Rechargez la page et recommencez."


class SeatsExhausted(DomainError):
    message = "Il n'y a plus de place disponible dans cette offre."


class RateLimited(DomainError):
    message = "Trop de tentatives. Réessayez dans quelques minutes."


class ImportRejected(DomainError):
    message = "Le fichier a été refusé ; aucune donnée n'a été modifiée."

    def __init__(self, message: str | None = None, row_errors: list | None = None):
        self.row_errors = row_errors or []
        super().__init__(message)
