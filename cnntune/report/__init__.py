"""Showing studies: terminal tables, the HTML report, the dashboard."""
