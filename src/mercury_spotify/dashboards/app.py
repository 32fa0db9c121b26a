"""The Streamlit script behind ``mercury dashboard``: sidebar filters, then one of three pages.

Settings come from the environment that ``mercury dashboard`` prepares (``MERCURY_HOME``,
``MERCURY_WAREHOUSE``, ``MERCURY_LANG``). The page can be chosen in the sidebar or with
``?page=historical|day|health`` in the address, and the language with ``?lang=en|pt-BR``.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from mercury_spotify.config import load_settings
from mercury_spotify.dashboards import page_day, page_health, page_historical
from mercury_spotify.dashboards.catalog import DASHBOARDS, DATA_BOUNDS_SQL, LISTENERS_SQL
from mercury_spotify.dashboards.page_parts import Filters
from mercury_spotify.dashboards.reader import NoDataError, Reader, WarehouseTarget, as_date, has_plays
from mercury_spotify.dashboards.ui_text import ui
from mercury_spotify.errors import MercuryError, WarehouseBusyError
from mercury_spotify.i18n import SUPPORTED, normalize_language, resolve_language

log = logging.getLogger("mercury_spotify.dashboards.app")

# Seconds the page waits before trying again while a writer has the DuckDB file open.
BUSY_RETRY_SECONDS = float(os.environ.get("MERCURY_DASHBOARD_BUSY_RETRY_SECONDS", "3"))
LANGUAGE_NAMES = {"en": "English", "pt-BR": "Português (Brasil)"}


@st.cache_resource(show_spinner=False)
def _reader(target: WarehouseTarget) -> Reader:
    return Reader(target)


def _initial_state(default_lang: str) -> None:
    """Take the page and language from the address once per session."""
    if "page" not in st.session_state:
        page = st.query_params.get("page", DASHBOARDS[0].id)
        st.session_state.page = page if page in {item.id for item in DASHBOARDS} else DASHBOARDS[0].id
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang")
        st.session_state.lang = normalize_language(wanted) if wanted else default_lang


def _sidebar(reader: Reader) -> Filters:
    lang = st.session_state.lang
    with st.sidebar:
        st.title(ui("app_title", lang))
        st.radio(ui("page", lang), [item.id for item in DASHBOARDS], key="page",
                 format_func=lambda page_id: next(item.title.get(lang) for item in DASHBOARDS
                                                  if item.id == page_id))
        st.radio(ui("language", lang), list(SUPPORTED), key="lang", format_func=LANGUAGE_NAMES.get,
                 horizontal=True)
        lang = st.session_state.lang
        listeners = reader.run_sql(LISTENERS_SQL, {})["listener_id"].tolist()
        listener = ""
        if len(listeners) > 1:
            # One widget per language, because a select box keeps showing the label it was first
            # drawn with; the choice itself survives the switch in "listener".
            options = ["", *listeners]
            chosen = st.session_state.get("listener", "")
            listener = st.selectbox(ui("listener", lang), options, key=f"listener_{lang}",
                                    index=options.index(chosen) if chosen in options else 0,
                                    format_func=lambda item: item or ui("all_listeners", lang))
            st.session_state.listener = listener
        include_incognito = st.toggle(ui("include_incognito", lang), key="include_incognito",
                                      help=ui("incognito_help", lang))
        st.caption(f"{ui('warehouse', lang)}: `{reader.target.describe()}`")
    st.query_params["page"] = st.session_state.page
    st.query_params["lang"] = lang
    return Filters(lang=lang, listener=listener, include_incognito=include_incognito)


def _show_empty(lang: str) -> None:
    st.title(ui("empty_title", lang))
    st.markdown(ui("empty_body", lang))


def main() -> None:
    """Render the chosen page, or explain how to import data, or wait for a writer to finish."""
    settings = load_settings()
    st.set_page_config(page_title="Mercury", page_icon="🎧", layout="wide")
    _initial_state(resolve_language(settings.lang))
    reader = _reader(WarehouseTarget.from_settings(settings))
    lang = st.session_state.lang
    try:
        if not has_plays(reader):
            _show_empty(lang)
            return
        filters = _sidebar(reader)
        lang = filters.lang
        page = st.session_state.page
        if page == "health":
            page_health.render(reader, filters)
            return
        bounds = reader.run_sql(DATA_BOUNDS_SQL, filters.values()).iloc[0]
        first_day, last_day = as_date(bounds["first_day"]), as_date(bounds["last_day"])
        if first_day is None:
            _show_empty(lang)
            return
        if page == "day":
            page_day.render(reader, filters, first_day, last_day)
        else:
            page_historical.render(reader, filters, first_day, last_day)
    except WarehouseBusyError:
        st.info(ui("updating", lang))
        reader.clear_cache()
        time.sleep(BUSY_RETRY_SECONDS)
        st.rerun()
    except NoDataError as exc:
        # dw.fact_play has rows, so a missing table means a build by an older Mercury.
        log.error("dashboard table missing: %s", exc)
        st.warning(ui("rebuild_needed", lang))
    except MercuryError as exc:
        log.error("dashboard query failed: %s", exc)
        st.error(ui("warehouse_error", lang).format(message=exc))


main()
