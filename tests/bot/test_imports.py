"""`newsbot --help` must answer at once: the CLI module imports no heavy library."""

import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("torch", "sentence_transformers", "faiss", "discord", "transformers")


def test_importing_the_cli_pulls_in_no_heavy_module():
    code = f"import sys, newsbot.bot.cli; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_runs_without_heavy_modules():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['newsbot', '--help']\n"
        "try:\n    runpy.run_module('newsbot.bot.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('HEAVY:' + ' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert "Usage: newsbot" in out.stdout
    assert out.stdout.strip().endswith("HEAVY:")
