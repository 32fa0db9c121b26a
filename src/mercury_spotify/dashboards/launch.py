"""Run Streamlit's command line with the dashboard modules already imported.

Streamlit runs the dashboard script in the server's own process, on the first visit. Importing
the pages (and with them altair, pandas and DuckDB) here, before the server starts listening,
takes that import time off the first page load.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Import the dashboard pages, then hand the command line to Streamlit."""
    from mercury_spotify.dashboards import page_day, page_health, page_historical  # noqa: F401
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
