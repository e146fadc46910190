"""Feature blueprints, registered in a fixed order by the factory."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from blueprints.admin import bp as admin_bp
    from blueprints.applications import bp as applications_bp
    from blueprints.apply import bp as apply_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.children import bp as children_bp
    from blueprints.dashboard import bp as dashboard_bp
    from blueprints.feedback import bp as feedback_bp
    from blueprints.followups import bp as followups_bp
    from blueprints.imports import bp as imports_bp
    from blueprints.main import bp as main_bp
    from blueprints.matching import bp as matching_bp
    from blueprints.regions import bp as regions_bp
    from blueprints.service_records import bp as service_records_bp
    from blueprints.volunteers import bp as volunteers_bp
    from blueprints.welfare import bp as welfare_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(regions_bp, url_prefix="/regions")
    app.register_blueprint(volunteers_bp, url_prefix="/volunteers")
    app.register_blueprint(children_bp, url_prefix="/children")
    app.register_blueprint(matching_bp, url_prefix="/matching")
    app.register_blueprint(followups_bp, url_prefix="/followups")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(welfare_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(imports_bp)
    app.register_blueprint(service_records_bp)
    app.register_blueprint(apply_bp)
    app.register_blueprint(applications_bp)
