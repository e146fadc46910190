"""The JSON API (/api/v1) for partner systems and the mini-program, documented by OpenAPI 3.

The same roles and the same policy module as the web pages: a token never sees more
than its user would. Generated from the code by flask-smorest; no hand-written spec.
"""

from flask import Flask

from blueprints.api.core import ProblemApi
from extensions import csrf


def register_api(app: Flask) -> ProblemApi:
    # The resource modules are imported here, inside the factory (as the web blueprints
    # are): importing blueprints.api.core from blueprints.transaction must not import
    # them, since they import blueprints.transaction.
    from blueprints.api import (
        auth,
        cases,
        children,
        duplicates,
        feedback,
        followups,
        matching,
        pairs,
        regions,
        volunteers,
        welfare,
    )

    app.config.update(
        API_TITLE="Qianshou 牵手童行 API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Pairing caring parents with left-behind children. "
                                    "Authenticate with `Authorization: Bearer <token>`."},
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api = ProblemApi(app)
    for module in (auth, regions, children, volunteers, matching, pairs, followups, welfare,
                   duplicates, feedback, cases):
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)
    app.extensions["api"] = api

    @app.route("/api/v1/docs")
    def api_docs():
        """Browsable documentation; Swagger UI sets inline styles, so this page allows them."""
        from flask import render_template

        response = app.make_response(render_template("api_docs.html"))
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        return response

    return api
