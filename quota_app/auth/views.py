"""Accounts: login, registration, passwords, and the administration of staff accounts.

Thin views: bind the form, call one service through `act` (one commit; a refusal shown in
French), flash, redirect. Login, registration and the reset request keep what a refused
attempt wrote (counters, audit, a message to the owner): `commit_refusals=True`.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import RateLimited
from ..permissions import HOME_ENDPOINTS, role_required
from ..urls import safe_next
from ..viewhelpers import act, acting_user, page_of
from . import queries, services
from .forms import (ChangePasswordForm, ConfirmForm, ForgotPasswordForm, LoginForm, RegistrationForm,
                    ResetPasswordForm, RoleForm, StaffUserForm)
from .models import ROLE_LABELS, User

bp = Blueprint("auth", __name__)


def _ip() -> str | None:
    return request.remote_addr


def home_url(user) -> str:
    return url_for(HOME_ENDPOINTS.get(user.role, "main.index"))


def _start_session(user: User) -> None:
    """A fresh session (no fixation), never a remember-me cookie."""
    session.clear()
    login_user(user, remember=False)


def _refused(template: str, done, **context):
    """The form again after a refusal: 429 when the attempts of the window are used up."""
    return render_template(template, **context), (429 if isinstance(done.error, RateLimited) else 200)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    done = act(lambda: services.authenticate(form.email.data, form.password.data, ip=_ip()), form,
               commit_refusals=True)
    if not done:
        return _refused("auth/login.html", done, form=form)
    _start_session(done.value)
    flash(_("Vous êtes connecté."), "success")
    return redirect(safe_next(form.next.data) or home_url(done.value))


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegistrationForm()
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form)
    done = act(lambda: services.register_applicant(
        email=form.email.data, password=form.password.data, full_name=form.full_name.data,
        consent_given=bool(form.consent.data), consent_version=current_app.config["CONSENT_VERSION"], ip=_ip()),
        form, commit_refusals=True, clash=services.REGISTER_REFUSED)  # the same address at the same moment
    if not done:
        return _refused("auth/register.html", done, form=form)
    _start_session(done.value)
    flash(_("Votre compte est créé. Bienvenue !"), "success")
    return redirect(home_url(done.value))


@bp.post("/deconnexion")
def logout():
    if current_user.is_authenticated:
        act(lambda: services.logout(acting_user(), ip=_ip()))
    logout_user()
    session.clear()
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
    flash(_("Si un compte existe pour cette adresse, un e-mail vient d'être envoyé."), "info")
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
