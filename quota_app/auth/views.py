"""Accounts: login (phone or e-mail), registration proven by a code, passwords (reset by an
e-mail link or an SMS code), claiming a paper file, the account's contact details, and the
administration of staff accounts.

Thin views: bind the form, call one service through `act` (one commit; a refusal shown in
French), flash, redirect. Login, registration, codes and the reset request keep what a refused
attempt wrote (counters, tries, audit, a message to the owner): `commit_refusals=True`. The
browser keeps the token of the code it waits for in its session (`_CODES`).
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import RateLimited
from ..permissions import HOME_ENDPOINTS, role_required
from ..urls import safe_next
from ..viewhelpers import act, acting_user, page_of
from . import queries, services
from .forms import (ChangePasswordForm, ClaimCodeForm, ClaimForm, CodeForm, ConfirmForm, ContactPreferenceForm,
                    EmptyForm, ForgotPasswordForm, LoginForm, PhoneForm, RegistrationForm, ResetCodeForm,
                    ResetPasswordForm, RoleForm, StaffUserForm)
from .identifiers import mask_phone
from .models import ROLE_LABELS, User
from .session import DEVICE_COOKIE, DEVICE_MAX_AGE, device_cookie_value, mark_session_start, read_device_cookie

bp = Blueprint("auth", __name__)
bp.app_template_filter("mask_phone")(mask_phone)

_CODES = "pending_codes"  # session key: purpose -> token of the code the browser waits for
CODE_PAGES = {"register": "auth.register_code", "reset": "auth.reset_code", "claim": "auth.claim_code",
              "verify": "auth.phone_code"}


def _ip() -> str | None:
    return request.remote_addr


def home_url(user) -> str:
    return url_for(HOME_ENDPOINTS.get(user.role, "main.index"))


def _clear_session() -> None:
    """Everything of the session goes but the language chosen on the page (a person who chose
    English on the login page stays in English once logged in, and after logging out)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_session(user: User) -> None:
    """A fresh session (no fixation), never a remember-me cookie."""
    _clear_session()
    login_user(user, remember=False)
    refresh_locale()  # the locale was chosen for an anonymous visitor: now the account's own counts
    mark_session_start()


def _refused(template: str, done, **context):
    """The form again after a refusal: 429 when the attempts of the window are used up."""
    return render_template(template, **context), (429 if isinstance(done.error, RateLimited) else 200)


def _keep_code(purpose: str, token: str) -> None:
    codes = dict(session.get(_CODES) or {})
    codes[purpose] = token
    session[_CODES] = codes


def _code_token(purpose: str) -> str | None:
    return (session.get(_CODES) or {}).get(purpose)


def _drop_code(purpose: str) -> None:
    codes = dict(session.get(_CODES) or {})
    codes.pop(purpose, None)
    session[_CODES] = codes


def _device():
    user_id, device_id = read_device_cookie(current_app, request.cookies.get(DEVICE_COOKIE))
    return services.Device(user_id=user_id, device_id=device_id)


def _with_device_cookie(response, user: User):
    response.set_cookie(DEVICE_COOKIE, device_cookie_value(current_app, user), max_age=DEVICE_MAX_AGE,
                        httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    done = act(lambda: services.authenticate(form.email.data, form.password.data, ip=_ip(), device=_device()),
               form, commit_refusals=True)
    if not done:
        return _refused("auth/login.html", done, form=form)
    _start_session(done.value)
    flash(_("Vous êtes connecté."), "success")
    return _with_device_cookie(redirect(safe_next(form.next.data) or home_url(done.value)), done.value)


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegistrationForm()
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form)
    done = act(lambda: services.start_registration(
        form.email.data, form.password.data, form.full_name.data, bool(form.consent.data),
        current_app.config["CONSENT_VERSION"], ip=_ip()), form, commit_refusals=True)
    if not done:
        return _refused("auth/register.html", done, form=form)
    _keep_code("register", done.value)
    return redirect(url_for("auth.register_code"))


def _code_page(purpose: str, template: str, form, **context):
    token = _code_token(purpose)
    return render_template(template, form=form, purpose=purpose, resend_form=EmptyForm(),
                           destination=services.code_destination(token, purpose) if token else None, **context)


@bp.route("/inscription/code", methods=["GET", "POST"])
def register_code():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    token = _code_token("register")
    if not token:
        return redirect(url_for("auth.register"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _code_page("register", "auth/code.html", form)
    done = act(lambda: services.confirm_registration(token, form.code.data, ip=_ip()), form, commit_refusals=True)
    if not done:
        return _code_page("register", "auth/code.html", form), 200
    _start_session(done.value)
    flash(_("Votre compte est créé. Bienvenue !"), "success")
    return _with_device_cookie(redirect(home_url(done.value)), done.value)


@bp.post("/code/renvoyer/<any(register, reset, claim, verify):purpose>")
def resend_code(purpose: str):
    token = _code_token(purpose)
    page = CODE_PAGES[purpose]
    if not token or not EmptyForm().validate_on_submit():
        return redirect(url_for(page))
    if purpose == "verify" and not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    done = act(lambda: services.resend_code(token, purpose, ip=_ip()), commit_refusals=True)
    if done and done.value:
        _keep_code(purpose, done.value)
        flash(_("Si ce numéro ou cette adresse peut recevoir un code, un nouveau code vient d'être envoyé. "
                "Seul le dernier code reçu est valable."), "info")
    return redirect(url_for(page))


@bp.post("/deconnexion")
def logout():
    if current_user.is_authenticated:
        act(lambda: services.logout(acting_user(), ip=_ip()))
    logout_user()
    _clear_session()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.index"))


@bp.route("/mot-de-passe/oublie", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form)
    done = act(lambda: services.request_password_reset(form.email.data, ip=_ip()), form, commit_refusals=True)
    if not done:
        return _refused("auth/forgot_password.html", done, form=form)
    if done.value:  # a phone number: the code's page
        _keep_code("reset", done.value)
        flash(_("Si un compte existe pour ce numéro, un SMS avec un code vient d'être envoyé."), "info")
        return redirect(url_for("auth.reset_code"))
    flash(_("Si un compte existe pour cette adresse, un e-mail vient d'être envoyé."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/mot-de-passe/code", methods=["GET", "POST"])
def reset_code():
    token = _code_token("reset")
    if not token:
        return redirect(url_for("auth.forgot_password"))
    form = ResetCodeForm()
    if not form.validate_on_submit():
        return _code_page("reset", "auth/reset_code.html", form)
    done = act(lambda: services.reset_password_with_code(token, form.code.data, form.password.data, ip=_ip()),
               form, commit_refusals=True)
    if not done:
        return _code_page("reset", "auth/reset_code.html", form)
    logout_user()
    session.clear()
    flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau mot de passe."), "success")
    return redirect(url_for("auth.login"))


@bp.route(services.RESET_PATH + "<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if not act(lambda: services.check_reset_token(token)):  # the link first, for the page and the form
        return render_template("auth/reset_password.html", form=None), 400
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_password.html", form=form)
    if not act(lambda: services.reset_password(token, form.password.data, ip=_ip()), form):
        return render_template("auth/reset_password.html", form=form), 400
    logout_user()
    session.clear()
    flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau mot de passe."), "success")
    return redirect(url_for("auth.login"))


# --- a file typed from paper ----------------------------------------------------------------

@bp.route("/dossier-papier", methods=["GET", "POST"])
def claim():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = ClaimForm()
    if not form.validate_on_submit():
        return render_template("auth/claim.html", form=form)
    done = act(lambda: services.start_claim(form.reference.data, form.phone.data, ip=_ip()), form,
               commit_refusals=True)
    if not done:
        return _refused("auth/claim.html", done, form=form)
    _keep_code("claim", done.value)
    flash(_("Si ce dossier porte ce numéro, un SMS avec un code vient d'y être envoyé."), "info")
    return redirect(url_for("auth.claim_code"))


@bp.route("/dossier-papier/code", methods=["GET", "POST"])
def claim_code():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    token = _code_token("claim")
    if not token:
        return redirect(url_for("auth.claim"))
    form = ClaimCodeForm()
    if not form.validate_on_submit():
        return _code_page("claim", "auth/claim_code.html", form)
    done = act(lambda: services.confirm_claim(token, form.code.data, form.password.data, bool(form.consent.data),
                                              current_app.config["CONSENT_VERSION"], ip=_ip()),
               form, commit_refusals=True)
    if not done:
        return _code_page("claim", "auth/claim_code.html", form)
    _start_session(done.value)
    flash(_("Votre compte est créé et votre dossier y est rattaché."), "success")
    return _with_device_cookie(redirect(home_url(done.value)), done.value)


# --- the account's contact details --------------------------------------------------------------

@bp.route("/compte/coordonnees", methods=["GET", "POST"])
@login_required
def contact():
    user = acting_user()
    form = ContactPreferenceForm(preference=user.contact_preference)
    phone_form = PhoneForm(prefix="tel")
    if request.method == "POST" and "tel-phone" in request.form:
        if phone_form.validate_on_submit():
            done = act(lambda: services.start_phone_verification(user, phone_form.phone.data, ip=_ip()),
                       phone_form, commit_refusals=True)
            if done:
                _keep_code("verify", done.value)
                return redirect(url_for("auth.phone_code"))
    elif form.validate_on_submit() and act(lambda: services.set_contact_preference(user, form.preference.data, ip=_ip()),
                                           form, success=_("Votre choix est enregistré.")):
        return redirect(url_for("auth.contact"))
    return render_template("auth/contact.html", form=form, phone_form=phone_form, user=user)


@bp.route("/compte/telephone/code", methods=["GET", "POST"])
@login_required
def phone_code():
    token = _code_token("verify")
    if not token:
        return redirect(url_for("auth.contact"))
    user = acting_user()
    form = CodeForm()
    if form.validate_on_submit() and act(lambda: services.confirm_phone(user, token, form.code.data, ip=_ip()),
                                         form, commit_refusals=True):
        _drop_code("verify")
        flash(_("Votre numéro est confirmé : vous pouvez l'utiliser pour vous connecter."), "success")
        return redirect(url_for("auth.contact"))
    return _code_page("verify", "auth/code.html", form)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = acting_user()
    if form.validate_on_submit() and act(
            lambda: services.change_password(user, form.current_password.data, form.password.data, ip=_ip()), form):
        _start_session(user)  # this browser keeps going with the new token; other copies die
        flash(_("Votre mot de passe est changé. Vos autres sessions ont été fermées."), "success")
        return redirect(home_url(user))
    return render_template("auth/change_password.html", form=form)


# --- Administration of accounts -------------------------------------------------------------

@bp.get("/admin/comptes")
@role_required("admin")
def admin_users():
    q = (request.args.get("q") or "").strip()[:254]
    role = request.args.get("role") or ""
    return render_template("auth/admin_users.html", page=page_of(queries.users_statement(q, role)), q=q,
                           role=role, roles=ROLE_LABELS)


@bp.route("/admin/comptes/nouveau", methods=["GET", "POST"])
@role_required("admin")
def admin_create_user():
    form = StaffUserForm()
    if form.validate_on_submit():
        done = act(lambda: services.create_account(
            email=form.email.data, password=form.password.data, role=form.role.data,
            full_name=form.full_name.data, actor=acting_user()),
            form, clash=_("Un compte existe déjà avec cette adresse e-mail."))
        if done:
            flash(_("Compte créé : %(email)s. Transmettez-lui le mot de passe temporaire et demandez-lui de le changer dès sa première connexion.",
                    email=done.value.email), "success")
            return redirect(url_for("auth.admin_user", user_id=done.value.id))
    return render_template("auth/admin_user_form.html", form=form)


@bp.get("/admin/comptes/<int:user_id>")
@role_required("admin")
def admin_user(user_id: int):
    user = queries.get_user(user_id)
    return render_template("auth/admin_user.html", user=user, confirm_form=ConfirmForm(),
                           role_form=RoleForm(role=user.role))


def _admin_action(user_id: int, action, success: str):
    user = queries.get_user(user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Cochez la case pour confirmer."), "error")
    else:
        act(lambda: action(acting_user(), user), success=success)
    return redirect(url_for("auth.admin_user", user_id=user_id))


@bp.post("/admin/comptes/<int:user_id>/desactiver")
@role_required("admin")
def admin_deactivate(user_id: int):
    return _admin_action(user_id, services.deactivate, _("Le compte est désactivé ; ses sessions sont fermées."))


@bp.post("/admin/comptes/<int:user_id>/reactiver")
@role_required("admin")
def admin_reactivate(user_id: int):
    return _admin_action(user_id, services.reactivate, _("Le compte est réactivé."))


@bp.post("/admin/comptes/<int:user_id>/role")
@role_required("admin")
def admin_change_role(user_id: int):
    user = queries.get_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Rôle inconnu."), "error")
    elif act(lambda: services.change_role(acting_user(), user, form.role.data)):
        flash(_("Le rôle est changé : %(role)s.", role=_(user.role_label)), "success")
    return redirect(url_for("auth.admin_user", user_id=user_id))
