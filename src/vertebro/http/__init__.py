"""What both HTTP front doors share — the REST API (``vertebro.api``) and the web pages
(``vertebro.web``): the app's settings, the request context and its transactions, the
problem+json errors and the security headers. Below both, so that neither imports the other
for them (``docs/architecture.md``)."""
