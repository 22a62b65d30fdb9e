"""The book's _config.yml builds around what a reader keeps beside it (issue 23, point 8)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def fake_virtual_environment(folder: Path) -> None:
    """A virtual environment's marker and a package whose own pages Sphinx cannot build."""
    package = folder / "lib" / "python3.11" / "site-packages" / "package"
    package.mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (package / "README.md").write_text("# A package\n\n```{not-a-directive}\n```\n")
    (package / "README.rst").write_text("A package\n=========\n")
    (package / "LICENSE.md").write_text("# Licence\n")


@pytest.mark.skipif(shutil.which("jupyter-book") is None, reason="jupyter-book not installed")
def test_a_readers_virtual_environment_inside_the_repository_does_not_break_the_build(
    tmp_path,
):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["sphinx"].pop("local_extensions")  # the book's own extensions need its pages
    config["html"].pop("favicon")
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/index\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "index.md").write_text("# The book\n\nOne page.\n")
    (tmp_path / "references.bib").write_text("")
    for name in (".venv", ".bars", "env", "venv"):
        fake_virtual_environment(tmp_path / name)
    build = subprocess.run(
        ["jupyter-book", "build", "--all", "-W", "-n", "--keep-going", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
