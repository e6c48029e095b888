"""Accounts: login, registration, passwords, and the administration of staff accounts.

Thin views: parse the form, call a service, commit once, flash a French message.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError, RateLimited
from ..extensions import db
from ..permissions import HOME_ENDPOINTS, role_required
from ..urls import safe_next
from . import services
from .forms import (ChangePasswordForm, ConfirmForm, ForgotPasswordForm, LoginForm, RegistrationForm,
                    ResetPasswordForm, RoleForm, StaffUserForm)
from .models import ROLE_LABELS, ROLES, User

bp = Blueprint("auth", __name__)

def _ip() -> str | None:
    return request.remote_addr


def home_url(user) -> str:
    return url_for(HOME_ENDPOINTS.get(user.role, "main.index"))


def _start_session(user: User) -> None:
    """A fresh session (no fixation), never a remember-me cookie."""
    session.clear()
    login_user(user, remember=False)


def _show_error(form, error: DomainError) -> None:
    """Put a service refusal next to the field it concerns, or at the top of the page."""
    placed = False
    for name, message in (getattr(error, "errors", None) or {}).items():
        field = getattr(form, name, None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
            placed = True
    if not placed:
        flash(error.message, "error")


def _too_many(template: str, **context):
    db.session.commit()
    flash(RateLimited.message, "error")
    return render_template(template, **context), 429


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, ip=_ip())
        except RateLimited:
            return _too_many("auth/login.html", form=form)
        except DomainError as error:
            db.session.commit()  # keeps the counters and the audit of the failure
            flash(error.message, "error")
            return render_template("auth/login.html", form=form)
        db.session.commit()
        _start_session(user)
        flash(_("Vous êtes connecté."), "success")
        return redirect(safe_next(form.next.data) or home_url(user))
    return render_template("auth/login.html", form=form)


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_applicant(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                consent_given=bool(form.consent.data),
                consent_version=current_app.config["CONSENT_VERSION"],
                ip=_ip(),
            )
            db.session.commit()
        except RateLimited:
            return _too_many("auth/register.html", form=form)
        except DomainError as error:
            db.session.commit()
            _show_error(form, error)
            return render_template("auth/register.html", form=form)
        except IntegrityError:
            db.session.rollback()  # the same address registered at the same moment
            flash(services.REGISTER_REFUSED, "error")
            return render_template("auth/register.html", form=form)
        _start_session(user)
        flash(_("Votre compte est créé. Bienvenue !"), "success")
        return redirect(home_url(user))
    return render_template("auth/register.html", form=form)


@bp.post("/deconnexion")
def logout():
    if current_user.is_authenticated:
        services.logout(current_user._get_current_object(), ip=_ip())
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.index"))


@bp.route("/mot-de-passe/oublie", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data, ip=_ip())
        except RateLimited:
            return _too_many("auth/forgot_password.html", form=form)
        db.session.commit()
        flash(_("Si un compte existe pour cette adresse, un e-mail vient d'être envoyé."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route(services.RESET_PATH + "<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except DomainError as error:
        flash(error.message, "error")
        return render_template("auth/reset_password.html", form=None), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, ip=_ip())
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
            return render_template("auth/reset_password.html", form=form), 400
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau mot de passe."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data, ip=_ip())
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
            return render_template("auth/change_password.html", form=form)
        db.session.commit()
        _start_session(user)  # this browser keeps going with the new token; other copies die
        flash(_("Votre mot de passe est changé. Vos autres sessions ont été fermées."), "success")
        return redirect(home_url(user))
    return render_template("auth/change_password.html", form=form)


# --- Administration of accounts -------------------------------------------------------------

def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/admin/comptes")
@role_required("admin")
def admin_users():
    q = (request.args.get("q") or "").strip()[:254]
    role = request.args.get("role") or ""
    stmt = db.select(User).order_by(User.email)
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(db.or_(db.func.lower(User.email).like(pattern, escape="\\"),
                                 db.func.lower(User.full_name).like(pattern, escape="\\")))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    page = db.paginate(stmt, per_page=current_app.config.get("PAGE_SIZE", 50), max_per_page=50,
                       error_out=False)
    return render_template("auth/admin_users.html", page=page, q=q, role=role, roles=ROLE_LABELS)


@bp.route("/admin/comptes/nouveau", methods=["GET", "POST"])
@role_required("admin")
def admin_create_user():
    form = StaffUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_account(
                email=form.email.data, password=form.password.data, role=form.role.data,
                full_name=form.full_name.data, actor=current_user._get_current_object(),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
            return render_template("auth/admin_user_form.html", form=form)
        except IntegrityError:
            db.session.rollback()
            flash(_("Un compte existe déjà avec cette adresse e-mail."), "error")
            return render_template("auth/admin_user_form.html", form=form)
        flash(_("Compte créé : %(email)s. Transmettez-lui le mot de passe temporaire et demandez-lui de le changer dès sa première connexion.",
                email=user.email), "success")
        return redirect(url_for("auth.admin_user", user_id=user.id))
    return render_template("auth/admin_user_form.html", form=form)


@bp.get("/admin/comptes/<int:user_id>")
@role_required("admin")
def admin_user(user_id: int):
    user = _get_user(user_id)
    role_form = RoleForm(role=user.role)
    return render_template("auth/admin_user.html", user=user, confirm_form=ConfirmForm(),
                           role_form=role_form)


def _admin_action(user_id: int, action, success: str):
    user = _get_user(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Cochez la case pour confirmer."), "error")
        return redirect(url_for("auth.admin_user", user_id=user.id))
    try:
        action(current_user._get_current_object(), user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("auth.admin_user", user_id=user.id))
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("auth.admin_user", user_id=user.id))


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
    user = _get_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Rôle inconnu."), "error")
        return redirect(url_for("auth.admin_user", user_id=user.id))
    try:
        services.change_role(current_user._get_current_object(), user, form.role.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("auth.admin_user", user_id=user.id))
    db.session.commit()
    flash(_("Le rôle est changé : %(role)s.", role=_(user.role_label)), "success")
    return redirect(url_for("auth.admin_user", user_id=user.id))
