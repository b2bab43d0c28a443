"""`guichet rate USAGE.csv --plan woot-100go --out RATED.csv`: rate a usage file, no database.

Lines are rated with no option, at the start of a fresh billing period. The catalog is read from
the packaged data files (GUICHET_CATALOG_DIR). Exits 0 when the file was read, even if records
were rejected; prints `read=N rated=X rejected=Y total_eur=Z` to stderr.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.catalog.errors import CatalogError
from guichet.catalog.schema import load_catalog
from guichet.rating import tariff_for_plan
from guichet.usage.files import UsageFileError, rate_file


class Command(BaseCommand):
    help = "Tarife un fichier de tickets d'usage (CSV ou Parquet) selon la brochure."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usage", type=Path, help="fichier de tickets (CSV ou Parquet)")
        parser.add_argument("--plan", required=True, help="code du forfait, ex. woot-100go")
        parser.add_argument("--out", required=True, type=Path, help="fichier tarifé (CSV/Parquet)")
        parser.add_argument(
            "--catalog-dir", type=Path, default=None, help="défaut : GUICHET_CATALOG_DIR"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["catalog_dir"] or Path(settings.GUICHET_CATALOG_DIR)
        try:
            tariff = tariff_for_plan(load_catalog(directory), options["plan"])
            rating = rate_file(options["usage"], options["out"], tariff=tariff)
        except (CatalogError, UsageFileError) as error:
            raise CommandError(str(error)) from error
        self.stderr.write(rating.summary)
