"""The built browser files (the loader snippet, the tracker, the widgets), read as package data.

In a wheel they are files under gapwise/browser/; in a source checkout browser/ links to sdk_js/dist and
widgets/dist, so both read through importlib.resources alike.
"""

from importlib.resources import files

# Public name -> (folder under browser/, file name).
BROWSER_FILES = {
    "gapwise.js": ("sdk_js", "gapwise.min.js"),
    "snippet.js": ("sdk_js", "snippet.min.js"),
    "widgets.js": ("widgets", "widgets.min.js"),
}


class AssetMissing(LookupError):
    """A built browser file is not where the package keeps it (a checkout whose bundles were never built)."""


def browser_file(name: str) -> bytes:
    """The bytes of a built browser file by its public name (`gapwise.js`, `snippet.js`, `widgets.js`)."""
    folder, filename = BROWSER_FILES[name]
    resource = files("gapwise").joinpath("browser", folder, filename)
    if not resource.is_file():
        raise AssetMissing(f"{folder}/dist/{filename} has not been built (make js-test builds it).")
    return resource.read_bytes()


def loader_snippet() -> str:
    """The loader to paste into a page, as text."""
    return browser_file("snippet.js").decode().strip()
