"""Errors raised by the PDF package."""

from colliderax.core.errors import InvalidInput


class PDFSetNotFound(InvalidInput):
    """A PDF set (or one of its members) is in none of the searched directories.

    The message is one line: the set name, the directories searched, and up to ten set names
    that do exist there, e.g. ``PDF set 'FOO' not found in: /a, /b; sets found there:
    NNPDF23_lo_as_0130_qed, ...; pass search_path=... or set LHAPDF_DATA_PATH``.
    """


__all__ = ["PDFSetNotFound"]
