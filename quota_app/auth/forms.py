"""Account forms, with French labels and messages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .models import ROLE_LABELS, STAFF_ROLES

REQUIRED = _l("Ce champ est obligatoire.")
EMAIL_INVALID = _l("Adresse e-mail invalide.")
PASSWORD_HINT = _l(
    "Au moins 12 caractères, en mélangeant au moins deux types (minuscules, majuscules, chiffres, symboles)."
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field():
    return EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID, check_deliverability=False), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


IDENTIFIER_LABEL = _l("Numéro de téléphone ou adresse e-mail")


def _identifier_field(autocomplete: str = "username"):
    """A Malian phone number or an e-mail address (auth/identifiers.py tells which). Named
    `email` in the forms, as it was when only an address was asked."""
    return StringField(IDENTIFIER_LABEL, validators=[DataRequired(REQUIRED), Length(max=254)], filters=[_strip],
                       render_kw={"autocomplete": autocomplete, "autocapitalize": "none", "spellcheck": "false"})


def _code_field():
    return StringField(_l("Code reçu (6 chiffres)"), validators=[DataRequired(REQUIRED), Length(max=12)],
                       filters=[_strip],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"})


def _new_password_fields():
    return (
        PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                      render_kw={"autocomplete": "new-password"}),
        PasswordField(_l("Confirmer le mot de passe"),
                      validators=[DataRequired(REQUIRED),
                                  EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))],
                      render_kw={"autocomplete": "new-password"}),
    )


CONSENT_LABEL = _l("J'ai lu ces informations et j'accepte le traitement de mes données personnelles.")
CONSENT_REQUIRED = _l("Vous devez accepter le traitement de vos données pour créer un compte.")


def staff_role_choices():
    return [SelectChoice(role, _l(ROLE_LABELS[role])) for role in STAFF_ROLES]


class LoginForm(FlaskForm):
    email = _identifier_field()
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class RegistrationForm(FlaskForm):
    email = _identifier_field("tel")
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(REQUIRED), Length(max=200)],
                            filters=[_strip], render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Confirmer le mot de passe"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(
        _l("J'ai lu ces informations et j'accepte le traitement de mes données personnelles."),
        validators=[DataRequired(_l("Vous devez accepter le traitement de vos données pour créer un compte."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = _identifier_field()


class CodeForm(FlaskForm):
    code = _code_field()


class ResetCodeForm(FlaskForm):
    code = _code_field()
    password, confirm = _new_password_fields()


class ClaimForm(FlaskForm):
    reference = StringField(_l("Référence du dossier"), validators=[DataRequired(REQUIRED), Length(max=30)],
                            filters=[_strip], render_kw={"autocapitalize": "characters", "placeholder": "MLI-2026-000123"})
    phone = StringField(_l("Numéro de téléphone inscrit sur le dossier"),
                        validators=[DataRequired(REQUIRED), Length(max=30)], filters=[_strip],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})


class ClaimCodeForm(FlaskForm):
    code = _code_field()
    password, confirm = _new_password_fields()
    consent = BooleanField(CONSENT_LABEL, validators=[DataRequired(CONSENT_REQUIRED)])


class ContactPreferenceForm(FlaskForm):
    preference = RadioField(_l("Recevoir les messages"), choices=[
        SelectChoice("both", _l("Par SMS et par e-mail")), SelectChoice("sms", _l("Par SMS seulement")),
        SelectChoice("email", _l("Par e-mail seulement"))], validators=[DataRequired(REQUIRED)])


class PhoneForm(FlaskForm):
    phone = StringField(_l("Numéro de téléphone"), validators=[DataRequired(REQUIRED), Length(max=30)],
                        filters=[_strip], render_kw={"autocomplete": "tel", "inputmode": "tel"})


class EmptyForm(FlaskForm):
    """A button alone (CSRF only)."""


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Confirmer le nouveau mot de passe"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                                     render_kw={"autocomplete": "current-password"})


class StaffUserForm(FlaskForm):
    email = _email_field()
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(REQUIRED), Length(max=200)])
    role = SelectField(_l("Rôle"), choices=staff_role_choices, validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Mot de passe temporaire"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})


class RoleForm(FlaskForm):
    role = SelectField(_l("Nouveau rôle"), choices=staff_role_choices, validators=[DataRequired(REQUIRED)])


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("Je confirme cette opération."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer."))])
