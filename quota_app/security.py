"""Security headers on every response (OWASP ASVS 5, level 2)."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

# A stored document shown in a frame of our own pages (the screening page's viewer): the same
# policy, framed by this site only.
FRAMEABLE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


def frameable(response):
    """Let this response be shown in a frame of the same site, and nowhere else."""
    response.headers["Content-Security-Policy"] = FRAMEABLE_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def init_security(app):
    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages may hold personal data: never keep them in a shared or browser cache.
        from flask import request

        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
