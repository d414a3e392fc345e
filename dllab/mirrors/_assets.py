"""The browser assets Visdom's page needs, and fetching them from the npm registry.

Visdom downloads these from CDNs on its first `python -m visdom.server`, which
fails (or crashes) without internet; `dllab visdom` skips that step, so the
page stays blank until the files are there. Every one of them is on npm
(TUI.md §3.3): `npm pack` works wherever a package registry is reachable.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from dllab.errors import DllabError

ASSETS: dict[str, list[tuple[str, str]]] = {
    "jquery@3.1.1": [("dist/jquery.min.js", "js/jquery.min.js")],
    "bootstrap@3.3.7": [
        ("dist/js/bootstrap.min.js", "js/bootstrap.min.js"),
        ("dist/css/bootstrap.min.css", "css/bootstrap.min.css"),
    ]
    + [
        (
            f"dist/fonts/glyphicons-halflings-regular.{ext}",
            f"fonts/glyphicons-halflings-regular.{ext}",
        )
        for ext in ("eot", "woff2", "woff", "ttf", "svg")
    ]
    + [
        (
            "dist/fonts/glyphicons-halflings-regular.svg",
            "fonts/glyphicons-halflings-regular.svg#glyphicons_halflingsregular",
        )
    ],
    "react@16.2.0": [("umd/react.production.min.js", "js/react-react.min.js")],
    "react-dom@16.2.0": [("umd/react-dom.production.min.js", "js/react-dom.min.js")],
    "react-modal@3.1.10": [("dist/react-modal.min.js", "js/react-modal.min.js")],
    "plotly.js-dist-min@2.11.1": [("plotly.min.js", "js/plotly-plotly.min.js")],
    "sjcl@1.0.7": [("sjcl.js", "js/sjcl.js")],
    "layout-bin-packer@1.4.0": [
        ("dist/layout-bin-packer.js", "js/layout_bin_packer.js"),
        ("dist/layout-bin-packer.js.map", "js/layout-bin-packer.js.map"),
    ],
    "d3@3.5.17": [("d3.min.js", "js/d3.v3.min.js")],
    "d3-selection-multi@1.0.1": [("build/d3-selection-multi.js", "js/d3-selection-multi.v1.js")],
    "save-svg-as-png@1.4.17": [("lib/saveSvgAsPng.js", "js/saveSvgAsPng.js")],
    "classnames@2.2.5": [("index.js", "fonts/classnames")],
}
"""npm package → (file in the package, path under `visdom/static/`), for every version."""

_MATHJAX2 = [
    "MathJax.js",
    "config/Safe.js",
    "config/TeX-AMS-MML_HTMLorMML.js",
    "extensions/Safe.js",
    "jax/output/SVG/config.js",
    "jax/output/SVG/jax.js",
    "jax/output/SVG/fonts/TeX/fontdata.js",
    "jax/output/SVG/fonts/TeX/Size1/Regular/Main.js",
]

BY_VERSION: dict[str, dict[str, list[tuple[str, str]]]] = {
    # visdom 0.2.x (Python 3.11 and older): see its visdom/server/build.py
    "0.2": {
        "react-resizable@1.4.6": [("css/styles.css", "css/react-resizable-styles.css")],
        "react-grid-layout@0.16.3": [("css/styles.css", "css/react-grid-layout-styles.css")],
        "mathjax@2.7.5": [(f, f"js/mathjax/2.7.5/{f}") for f in _MATHJAX2],
    },
    # visdom 0.3.x (Python >= 3.12): TUI.md §3.3, verified end to end
    "0.3": {
        "react-resizable@3.1.3": [("css/styles.css", "css/react-resizable-styles.css")],
        "react-grid-layout@2.2.3": [("css/styles.css", "css/react-grid-layout-styles.css")],
        "mathjax@3.2.2": [("es5/tex-mml-svg.js", "js/mathjax/3.2.2/es5/tex-mml-svg.js")],
    },
}
"""The packages whose versions differ between visdom releases."""


class AssetsError(DllabError):
    """Visdom's page assets could not be fetched or written."""


def visdom_version(static: Path) -> str:
    """The installed visdom's version (its VERSION file sits next to `static/`)."""
    path = static.parent / "VERSION"
    return path.read_text().strip() if path.is_file() else ""


def assets_for(version: str) -> dict[str, list[tuple[str, str]]]:
    """Every npm package and file the page of this visdom version needs."""
    extra = BY_VERSION["0.2"] if version.startswith(("0.1", "0.2")) else BY_VERSION["0.3"]
    return {**ASSETS, **extra}


def missing_assets(static: Path) -> list[str]:
    """The asset files not under `static` (empty: the page will render)."""
    return [
        dest
        for files in assets_for(visdom_version(static)).values()
        for _, dest in files
        if not (static / dest).is_file()
    ]


def fetch_assets(static: Path, echo: Callable[[str], None] = print) -> None:
    """`npm pack` each package into a temporary folder and copy its files into `static`.

    Raises:
        AssetsError: npm is missing, a package could not be fetched, or
            `static` is not writable.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError(
            "npm is not installed. Install Node.js, or copy visdom/static/ from a machine "
            "with internet where `python -m visdom.server` has run once."
        )
    with tempfile.TemporaryDirectory(prefix="dllab-visdom-") as tmp:
        version = visdom_version(static)
        for package, files in assets_for(version).items():
            echo(f"npm pack {package}")
            done = subprocess.run(
                [npm, "pack", package, "--silent"], cwd=tmp, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise AssetsError(f"npm pack {package} failed:\n{done.stderr[-1000:]}")
            tgz = Path(tmp) / done.stdout.strip().splitlines()[-1]
            with tarfile.open(tgz) as archive:
                for source, dest in files:
                    member = archive.extractfile(f"package/{source}")
                    if member is None:
                        raise AssetsError(f"{package} has no {source}")
                    target = static / dest
                    try:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(member.read())
                    except OSError as exc:
                        raise AssetsError(f"cannot write {target}: {exc}") from None
    (static / "version.built").write_text(version)  # visdom's own launcher then skips its download
    echo(f"Visdom's page assets are in {static}; `dllab visdom` serves them now.")
