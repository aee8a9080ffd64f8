"""Briefs: the periodic monitoring reports, computed from the log at a checkpoint.

A brief is a pure function of the log's first ``size`` entries (a checkpoint), the period, the
date and the edition (``content.compute``), rendered to Markdown and HTML through Jinja2
templates with charts and a map drawn as deterministic SVG (``render``), and to PDF from the
same HTML through WeasyPrint. The same checkpoint and options give the same bytes, so any party
can regenerate a published brief from its own copy of the log and compare the digests the
secretariat recorded (``domain.brief_events``).
"""
