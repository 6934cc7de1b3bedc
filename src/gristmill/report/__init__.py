"""Run statistics rendered as a self-contained HTML report."""

from gristmill.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
