"""The public verification page: /verifier/<code> says whether a sealed document exists and is
intact, and compares an uploaded PDF with the original. No login, no personal data: only the
kind, number, title, date and content hash of the document, as the feature sealed them.

Uploads are capped (DOCUMENT_VERIFY_MAX_BYTES, 25 MB by default) before the body is read: the
application-wide CSRF check would read the body first, so these two views are exempt from it
and their form checks the CSRF token itself (FlaskForm).
"""
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..extensions import csrf
from . import sealing
from .forms import FindForm, VerifyFileForm

bp = Blueprint("documents", __name__, url_prefix=sealing.VERIFY_PREFIX)
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


@bp.app_template_filter("document_kind")
def document_kind(code: str) -> str:
    return sealing.kind_label(code)


def _max_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_VERIFY_MAX_BYTES", DEFAULT_MAX_BYTES))


def _capped_upload(form: VerifyFileForm) -> tuple[bytes | None, str | None]:
    """(the uploaded bytes, None) or (None, the French reason they are refused)."""
    limit = _max_bytes()
    data = form.file.data.read(limit + 1)
    if len(data) > limit:
        return None, _("Le fichier dépasse la taille permise (%(mb)s Mo).", mb=limit // (1024 * 1024))
    if not sealing.is_pdf(data):
        return None, _("Ce fichier n'est pas un PDF.")
    return data, None


def _cap_request():
    """Refuse a body over the cap before anything reads it (413, the French page)."""
    limit = _max_bytes() + 64 * 1024  # the multipart envelope around the file
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413)


def _page(template: str, status: int = 200, **context):
    response = make_response(render_template(template, **context), status)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _token_in(text: str) -> str | None:
    """The token of a typed code or of a pasted verification address."""
    text = (text or "").strip().rstrip("/")
    candidate = re.split(r"[/?#]", text.split(sealing.VERIFY_PREFIX + "/", 1)[-1])[0] if text else ""
    return candidate if sealing.TOKEN_PATTERN.fullmatch(candidate) else None


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt
def index():
    find_form = FindForm(request.args)
    message = None
    if request.method == "POST":
        _cap_request()
    upload_form = VerifyFileForm()
    if request.method == "GET" and "code" in request.args:
        token = _token_in(find_form.code.data)
        if token:
            return redirect(url_for("documents.verify", code=token))
        message = _("Ce code n'est pas un code de vérification : recopiez-le tel qu'il est imprimé sous le QR code.")
    elif request.method == "POST":
        if upload_form.validate_on_submit():
            data, message = _capped_upload(upload_form)
            if data is not None:
                document = sealing.find_by_file(data)
                if document is not None:
                    return _page("documents/verify.html", document=document, form=VerifyFileForm(formdata=None),
                                 result=True)
                message = _("Aucun document scellé ne correspond à ce fichier : il a été modifié, ou il "
                            "n'a pas été émis par Quota. Vérifiez-le avec le code imprimé sous son QR code.")
        else:
            message = _upload_form_error(upload_form)
        return _page("documents/index.html", 400 if message else 200, find_form=find_form,
                     upload_form=upload_form, message=message)
    return _page("documents/index.html", find_form=find_form, upload_form=upload_form, message=message)


@bp.route("/<code>", methods=["GET", "POST"])
@csrf.exempt
def verify(code):
    document = sealing.find(code)
    if document is None:
        abort(404)
    result, message = None, None
    if request.method == "POST":
        _cap_request()
        form = VerifyFileForm()
        if form.validate_on_submit():
            data, message = _capped_upload(form)
            if data is not None:
                result = sealing.matches(document, data)
        else:
            message = _upload_form_error(form)
    else:
        form = VerifyFileForm()
    return _page("documents/verify.html", 400 if message else 200, document=document, form=form,
                 result=result, message=message)


def _upload_form_error(form: VerifyFileForm) -> str:
    if "csrf_token" in form.errors:
        return _("La page a expiré : rechargez-la, puis déposez le fichier à nouveau.")
    return _("Choisissez un fichier PDF.")
