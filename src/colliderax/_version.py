from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("colliderax")
except PackageNotFoundError:  # running from a source tree with PYTHONPATH=src
    __version__ = "0.1.0+src"
