import subprocess
import sys


def test_rating_core_imports_no_django():
    # The rating core must run inside a Spark executor, where Django is not configured.
    probe = (
        "import sys, pkgutil, importlib, guichet.rating as r\n"
        "for m in pkgutil.walk_packages(r.__path__, 'guichet.rating.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
