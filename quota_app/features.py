"""What each feature lends the shared machinery, registered once by create_app.

The shared packages (imports, exports, jobs, audit, notifications) and the lower features
never import a higher one: what they need from it is registered here, in one place, so that
adding a kind of import or export is one spec in the feature's io.py and one line below.
"""
from __future__ import annotations


def register_features(app) -> None:
    from .amci import followup_export, io as amci_io
    from .applications import io as applications_io
    from .auth import hooks as auth_hooks, lookups as auth_lookups
    from .applications import facts as application_facts, hooks as application_hooks
    from .campaigns import io as campaigns_io, selection, stages
    from .committee import deliberating, facts as committee_facts, io as committee_io, services as committee_services
    from .dashboard import io as dashboard_io
    from .exports.registry import register_export
    from .imports.registry import register_import
    from .placement import publication, seats, services as placement_services, tasks as placement_tasks  # noqa: F401 (its tasks)
    from .placement import io as placement_io
    from .registry import lookups
    from .screening import journal as screening_journal

    for kind in (applications_io.IMPORT, campaigns_io.IMPORT, amci_io.IMPORT, committee_io.IMPORT):
        register_import(kind)
    for kind in (campaigns_io.EXPORT, amci_io.EXPORT, dashboard_io.EXPORT, deliberating.EXPORT):
        register_export(kind)
    for kind in (placement_io.MAIN_EXPORT, placement_io.WAITING_EXPORT, followup_export.EXPORT):
        register_export(kind)

    lookups.register("campaign", selection.campaign_by_id)
    lookups.register("campaign_by_code", selection.campaign_by_code)
    lookups.register("campaigns", selection.campaigns_list)
    lookups.register("current_campaign", selection.current_campaign)
    lookups.register("user", auth_lookups.user_by_id)
    lookups.register("user_by_email", auth_lookups.user_by_email)
    lookups.register("user_ids_matching", auth_lookups.user_ids_matching)
    lookups.register("staff_user_ids", auth_lookups.staff_user_ids)
    lookups.register("held_seats", seats.held_seats)
    lookups.register("live_placement", placement_services.live_placement)
    from .amci.nominations import is_nominated
    lookups.register("is_nominated", is_nominated)  # the AMCI's need to know (permissions, screening)
    from .amci.earlier import earlier_scholar
    lookups.register("earlier_scholar", earlier_scholar)  # « ancien boursier » at screening
    # The campaign's tie rule is the committee's to check, and to say in French on its settings page.
    lookups.register("tie_rule", deliberating.tie_rule_setting)
    app.jinja_env.globals.update(tie_rule_text=deliberating.tie_rule_description)

    auth_hooks.applicant_account_hooks.register("applicant", application_facts.add_applicant)
    auth_hooks.paper_files.register("find", application_facts.paper_file)
    auth_hooks.paper_files.register("link", application_facts.link_paper_file)
    application_hooks.withdrawal_hooks.register("committee", committee_services.withdraw_for_applicant)
    application_hooks.withdrawal_hooks.register("placement", placement_services.withdraw_for_applicant)
    stages.phase_actions.register("placement", publication.on_phase)
    # The audit trail's names for files, accounts, reference data (screening knows them).
    screening_journal.register()
    from .applications import tasks as application_tasks  # noqa: F401 (its task)
    from .jobs.aftercommit import init_after_commit
    init_after_commit()
    stages.phase_facts.register("applications", application_facts.phase_facts)
    stages.phase_facts.register("committee", committee_facts.phase_facts)
    stages.phase_facts.register("placement", seats.phase_facts)
    stages.offer_uses.register("choices", application_facts.offer_chosen)
    stages.offer_uses.register("placements", seats.offer_placed)
    from .amci import todo as amci_todo
    from .placement import todo as placement_todo
    from .screening import todo as screening_todo
    stages.todos.register("screening", screening_todo.todos)
    stages.todos.register("placement", placement_todo.todos)
    stages.todos.register("amci", amci_todo.todos)
