"""The ``mdkg`` command line. Each command is a thin shell over a library function."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mdkg.errors import MdkgError
from mdkg.progress import reporting
from mdkg.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    for name in ("root", "base_iri", "store", "store_path", "remote_query_url", "remote_update_url",
                 "remote_gsp_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return Settings.from_env(**overrides)


def cmd_validate(args: argparse.Namespace) -> int:
    from mdkg.validation import validate_files

    settings = _settings(args)
    report = validate_files(settings, [Path(f) for f in args.files] or None)
    print(report.render_text())
    return 0 if report.conforms else 1


def cmd_build(args: argparse.Namespace) -> int:
    from mdkg.build import build_dist
    from mdkg.ontology_docs import write_ontology_docs
    from mdkg.progress import stage

    settings = _settings(args)
    out = Path(args.out) if args.out else settings.dist_dir
    result = build_dist(settings, out)
    with stage("ontology documentation"):
        pages = write_ontology_docs(settings, out / "ontology")
    print(result.summary())
    written = ", ".join(str(p.relative_to(out)) for p in pages)
    print(f"  documentation: {written} (open {out / 'ontology' / 'index.html'} in a browser)")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from mdkg.queries import run_named_query_cli

    return run_named_query_cli(_settings(args), args.name, args.param, args.format, sys.stdout)


def cmd_reference(args: argparse.Namespace) -> int:
    from mdkg.reference import write_reference

    path = write_reference(_settings(args).root)
    print(f"wrote {path}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mdkg.web.app import create_app

    settings = _settings(args).with_changes(host=args.host, port=args.port)
    if args.reload_on_start:
        settings = settings.with_changes(reload_on_start=True)
    # mdkg writes its own JSON access line per request (mdkg.web.operations); uvicorn's would repeat it,
    # with the whole query string, at a cost per request that shows in the cheapest answers.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
                access_log=False)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from mdkg.backup import backup

    print(backup(_settings(args), Path(args.destination), kind=args.format).summary())
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from mdkg.backup import restore

    print("restored " + restore(_settings(args), Path(args.source), replace=args.replace).summary())
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from mdkg.pages import open_in_browser, page_table, site_url

    base = site_url(args.host, args.port)
    print(page_table(base))
    print(f"\n(start the server with: mdkg serve --host {args.host} --port {args.port})")
    if args.browser:
        open_in_browser(base, args.browser)
    return 0


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="project folder with ontology/, graph/, shapes/, "
                        "queries/ (default: this checkout)")
    parser.add_argument("--base-iri", dest="base_iri", help="base of the dataset IRIs "
                        "(default https://w3id.org/mdkg/)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdkg",
        description="The minerals-diplomacy knowledge graph: validate, build, query and serve it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str
                ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_common(sub)
        sub.set_defaults(handler=handler)
        return sub

    validate = command("validate", cmd_validate,
                       "Validate data files (default: the whole dataset) against the SHACL shapes.")
    validate.add_argument("files", nargs="*", help="Turtle files to validate together with the "
                          "ontology and reference data (default: every file of the dataset)")

    build = command("build", cmd_build, "Validate the dataset, then write dist/ with every dump, "
                    "checksums and a VoID description.")
    build.add_argument("--out", help="output folder (default: dist/)")

    query = command("query", cmd_query, "Run a named query (by name) or a .rq file.")
    query.add_argument("name", help="named query (see queries/) or path to a .rq file")
    query.add_argument("--param", "-p", action="append", default=[], metavar="K=V",
                       help="parameter value, repeatable")
    query.add_argument("--format", "-f", choices=["table", "csv", "tsv", "json"], default="table",
                       help="output format (default: table)")

    command("reference", cmd_reference, "Regenerate graph/reference/states.ttl (ISO codes, UN regions, "
            "EU membership) from pycountry and country-converter.")

    serve = command("serve", cmd_serve, "Serve the graph over HTTP (SPARQL, REST, linked data).")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--store", choices=["oxigraph", "rdflib", "remote"],
                       help="store backend (default oxigraph, embedded)")
    serve.add_argument("--store-path", dest="store_path", type=Path,
                       help="on-disk folder for the embedded Oxigraph store (default: in memory); "
                       "a store that holds the dataset files as they are is not loaded again")
    serve.add_argument("--reload-on-start", dest="reload_on_start", action="store_true",
                       help="load the dataset files into the on-disk store even if it holds them already")
    serve.add_argument("--remote-query-url", dest="remote_query_url",
                       help="with --store remote: the SPARQL query endpoint of the remote store")
    serve.add_argument("--remote-update-url", dest="remote_update_url",
                       help="with --store remote: its SPARQL update endpoint (default: the query URL)")
    serve.add_argument("--remote-gsp-url", dest="remote_gsp_url",
                       help="with --store remote: its Graph Store Protocol endpoint (optional)")

    backup = command("backup", cmd_backup, "Back the store up: a store folder (on-disk Oxigraph) or an "
                     "N-Quads file with its SHA-256 (DEST.nq).")
    backup.add_argument("destination", help="where to write the backup (must not exist)")
    backup.add_argument("--format", choices=["store", "nquads"],
                        help="store folder or N-Quads file (default: nquads for a .nq name, else store)")
    backup.add_argument("--store-path", dest="store_path", type=Path,
                        help="the on-disk Oxigraph store (default: MDKG_STORE_PATH)")
    restore = command("restore", cmd_restore, "Restore a backup made by mdkg backup into the store "
                      "(checksum verified; built aside, then swapped in).")
    restore.add_argument("source", help="a store folder or an N-Quads file written by mdkg backup")
    restore.add_argument("--store-path", dest="store_path", type=Path,
                         help="the on-disk Oxigraph store to restore into (default: MDKG_STORE_PATH)")
    restore.add_argument("--replace", action="store_true",
                         help="overwrite a store that holds data (refused otherwise)")

    from mdkg.pages import PAGES

    open_pages = command("open", cmd_open, "Print the address of each page of the service (home, query "
                         "editor, queries, entities, network, sources, ontology, shapes, export, API docs) "
                         "for a server at --host/--port; --browser opens one.")
    open_pages.add_argument("--host", default="127.0.0.1",
                            help="the server's address, as given to mdkg serve (default 127.0.0.1)")
    open_pages.add_argument("--port", type=int, default=8000, help="the server's port (default 8000)")
    open_pages.add_argument("--browser", nargs="?", const="home", choices=[p.name for p in PAGES],
                            metavar="PAGE", help="also open PAGE (default: home) in the web browser")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with reporting():  # progress bars on standard error when it is a terminal
            return args.handler(args)
    except MdkgError as error:
        print(f"mdkg: error: {error.message}", file=sys.stderr)
        return 2 if error.status >= 500 else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
