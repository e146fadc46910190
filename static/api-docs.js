/* The browsable API documentation, from the vendored Swagger UI (no CDN). */
window.addEventListener("load", function () {
  "use strict";
  window.SwaggerUIBundle({
    url: document.getElementById("swagger").dataset.spec,
    dom_id: "#swagger",
    deepLinking: true,
  });
});
