"""Reading and writing the datasets the mechanism speaks: ACLED, UCDP GED, GeoJSON and CSV.

Pure: every reader takes lines of text (or a parsed document) and yields one result per row,
an :class:`~ceasefire.interchange.rows.Imported` report body or a
:class:`~ceasefire.interchange.rows.Reject` naming the line, the field and the reason; every
writer takes rows to export and a text stream. Only :mod:`ceasefire.interchange.files` opens
files (with encoding detection). See ``docs/interchange.md``.
"""
