"""Fills empty msgstr of a .po file from a `msgid → msgstr` table (used once per new string).

Usage: python scripts/po-fill.py src/guichet/locale/fr/LC_MESSAGES/django.po table.tsv
The table is tab-separated, one `msgid<TAB>msgstr` per line. Entries already translated are
left as they are; msgids missing from the table are listed so none is forgotten.
"""

import re
import sys
from pathlib import Path


def main(po_path: str, table_path: str) -> int:
    table = dict(
        line.split("\t", 1)
        for line in Path(table_path).read_text(encoding="utf-8").splitlines()
        if "\t" in line
    )
    text = Path(po_path).read_text(encoding="utf-8")
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        msgid = match.group(1)
        if msgid in table:
            translated = table[msgid].replace('"', '\\"')
            return f'msgid "{msgid}"\nmsgstr "{translated}"'
        missing.append(msgid)
        return match.group(0)

    text = re.sub(r'(?m)^msgid "(.+)"\nmsgstr ""$', fill, text)
    text = text.replace("#, fuzzy\n", "", 1)
    Path(po_path).write_text(text, encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
