"""`guichet catalog load [--dir PATH]` and `guichet catalog show [--format text|json]`."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.catalog.errors import CatalogError
from guichet.catalog.rendering import catalog_json, catalog_text
from guichet.catalog.selectors import catalog_current, release_current
from guichet.catalog.services import catalog_load


class Command(BaseCommand):
    help = "Charge les fichiers du catalogue dans la base (load) ou affiche le catalogue (show)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,show}")
        load = actions.add_parser("load", help="valider et charger les fichiers de données")
        load.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            default=None,
            help="répertoire des fichiers TOML (défaut : GUICHET_CATALOG_DIR)",
        )
        show = actions.add_parser("show", help="afficher le catalogue chargé")
        show.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load":
                self.load(options["directory"] or Path(settings.GUICHET_CATALOG_DIR))
            else:
                self.show(options["format"])
        except CatalogError as error:
            raise CommandError(str(error)) from error

    def load(self, directory: Path) -> None:
        before = release_current()
        release = catalog_load(directory=directory, now=timezone.now())
        if before is not None and before.pk == release.pk:
            self.stdout.write(f"Catalogue déjà à jour : version {release.version}, rien à changer.")
            return
        self.stdout.write(
            f"Catalogue chargé : version {release.version} depuis {directory} "
            f"({release.products.count()} produits, {release.zones.count()} zones, "
            f"{release.rates.count()} tarifs)."
        )

    def show(self, output_format: str) -> None:
        catalog = catalog_current()
        release = release_current()
        assert release is not None  # catalog_current() raised otherwise
        if output_format == "json":
            document = catalog_json(catalog, checksum=release.checksum, loaded_at=release.loaded_at)
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            text = catalog_text(catalog, checksum=release.checksum, loaded_at=release.loaded_at)
            self.stdout.write(text, ending="")
