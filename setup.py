"""Build step: the ontology, the shapes and the curated collection ship inside the package.

They live at the top of the repository, where people edit them; a wheel carries copies under
``wissensgraph/content/`` so that an installed package can build a graph from an empty folder.
Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONTENT = ("ontology", "shapes", "data")
HERE = Path(__file__).resolve().parent


class BuildWithContent(build_py):
    """build_py that copies the content folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the folders where they are
            return
        target = Path(self.build_lib) / "wissensgraph" / "content"
        for name in CONTENT:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(
                HERE / name, target / name, ignore=shutil.ignore_patterns(".*", "__pycache__")
            )


setup(cmdclass={"build_py": BuildWithContent})
