"""Showing studies: terminal tables, the HTML report, the data explore page, the dashboard.

Nothing heavy at import time: plotly and optuna-dashboard are imported by the
functions that draw or serve, and TensorFlow never.
"""

from cnntune.report._dashboard import DashboardServer
from cnntune.report._explore import ExploreResult, write_explore_report
from cnntune.report._html_report import write_report
from cnntune.report._records import format_best, format_status, format_studies
from cnntune.report._terminal import best_trial_text, search_summary_text, status_table, studies_table

__all__ = [
    "DashboardServer",
    "format_best",
    "format_status",
    "format_studies",
    "ExploreResult",
    "best_trial_text",
    "search_summary_text",
    "status_table",
    "studies_table",
    "write_explore_report",
    "write_report",
]
