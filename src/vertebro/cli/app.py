"""The ``vertebro`` command line (Typer): the app, composed of one module per command group.
Front doors only: each command reads, calls a service, prints.

Exit codes: 0 done, 2 invalid input or unreadable file (details on standard error).
"""

from __future__ import annotations

import typer

from vertebro.cli.about import rules, version
from vertebro.cli.assess import assess
from vertebro.cli.csv_io import export_csv, import_csv
from vertebro.cli.drafts import fhir_app  # every fhir command, the drafts ones included
from vertebro.cli.help import unwrap_help
from vertebro.cli.measure import measure
from vertebro.cli.outcomes import demo_registry, outcomes
from vertebro.cli.pacs import pacs_app
from vertebro.cli.reassess import reassess
from vertebro.cli.registry import db_app, users_app
from vertebro.cli.report import leaflet, report
from vertebro.cli.screen import screen_app
from vertebro.cli.serve import serve

app = typer.Typer(
    name="vertebro",
    help="Vertebral augmentation (vertebroplasty / kyphoplasty): measure, decide, plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


app.command("assess")(assess)
app.command("measure")(measure)
app.command("serve")(serve)
app.command("outcomes")(outcomes)
app.command("demo-registry")(demo_registry)
app.command("reassess")(reassess)
app.add_typer(fhir_app, name="fhir")
app.add_typer(pacs_app, name="pacs")
app.command("export-csv")(export_csv)
app.command("import-csv")(import_csv)
app.command("report")(report)
app.command("leaflet")(leaflet)
app.add_typer(screen_app, name="screen")
app.command("rules")(rules)
app.command("version")(version)


unwrap_help(app)


def main() -> None:
    """Console entry point."""
    app()
