"""Every blueprint of the application, registered in one place."""


def register_blueprints(app):
    from .amci.views import bp as amci_bp
    from .amci.slip_views import bp as amci_slips_bp
    from .amci.reconcile_views import bp as amci_reconcile_bp
    from .amci.followup_views import bp as amci_followup_bp
    from .applications.views import bp as applications_bp
    from .auth.views import bp as auth_bp
    from .campaigns.views import bp as campaigns_bp
    from .committee.views import bp as committee_bp
    from .committee.manage_views import bp as committee_admin_bp
    from .committee.chair_views import bp as deliberation_bp
    from .main.views import bp as main_bp
    from .notifications.views import bp as notifications_bp
    from .placement.views import bp as placement_bp
    from .placement.manage_views import bp as placement_admin_bp
    from .placement.simulation_views import bp as placement_simulation_bp
    from .placement.pv_views import bp as placement_pv_bp
    from .dashboard.views import bp as dashboard_bp
    from .documents.views import bp as documents_bp
    from .screening.views import bp as screening_bp
    from .imports.views import bp as imports_bp
    from .jobs.views import bp as jobs_bp
    from .reference.views import bp as reference_bp
    from .audit.views import bp as audit_bp
    from .exports.views import bp as exports_bp
    from .retention.views import bp as retention_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(applications_bp, url_prefix="/candidat")
    app.register_blueprint(placement_bp, url_prefix="/candidat")
    app.register_blueprint(campaigns_bp, url_prefix="/gestion")
    app.register_blueprint(committee_bp, url_prefix="/comite")
    app.register_blueprint(deliberation_bp, url_prefix="/comite/deliberation")
    app.register_blueprint(amci_bp, url_prefix="/amci")
    app.register_blueprint(amci_slips_bp, url_prefix="/amci/bordereaux")
    app.register_blueprint(amci_reconcile_bp, url_prefix="/amci/retours")
    app.register_blueprint(amci_followup_bp, url_prefix="/amci/suivi")
    app.register_blueprint(notifications_bp, url_prefix="/messages")
    app.register_blueprint(screening_bp, url_prefix="/gestion/dossiers")
    app.register_blueprint(committee_admin_bp, url_prefix="/gestion/comites")
    app.register_blueprint(placement_admin_bp, url_prefix="/gestion/affectation")
    app.register_blueprint(placement_simulation_bp, url_prefix="/gestion/affectation/simulations")
    app.register_blueprint(placement_pv_bp, url_prefix="/gestion/affectation/pv")
    app.register_blueprint(dashboard_bp, url_prefix="/gestion/tableau-de-bord")
    app.register_blueprint(reference_bp, url_prefix="/gestion/referentiel")
    app.register_blueprint(audit_bp, url_prefix="/gestion/journal")
    app.register_blueprint(imports_bp, url_prefix="/gestion/imports")
    app.register_blueprint(jobs_bp, url_prefix="/taches")
    app.register_blueprint(exports_bp, url_prefix="/gestion/exports")
    app.register_blueprint(retention_bp)  # /candidat/effacement and /gestion/effacements
    app.register_blueprint(documents_bp)  # /verifier: its prefix is printed on sealed documents
