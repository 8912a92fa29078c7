"""The documentation: a short README with the two commands, and a site that builds with --strict."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_README_LINES = 150  # a page a newcomer reads in five minutes; the manual is docs/


def test_readme_is_short_and_holds_the_two_commands_ci_runs():
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)

    assert len(text.splitlines()) <= MAX_README_LINES
    assert any("pip install -e ." in c and "tune start" in c for c in commands)  # install and run the demo
    test_command = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.split("&& ", 1)[1] in ci  # CI runs the README's test command


def test_readme_links_only_to_pages_that_exist():
    links = re.findall(r"\]\((docs/[^)#]+)", README.read_text(encoding="utf-8"))
    assert links and [link for link in links if not (ROOT / link).is_file()] == []


def test_docs_site_builds_strict(tmp_path):
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "index.html").is_file()  # the API pages rendered
    assert "SearchRequest" in (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
