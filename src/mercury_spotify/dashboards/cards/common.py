"""SQL fragments and result columns that several cards share.

The fragments are pasted into each card's SQL when this module is imported, so every card still
contains one complete query that a Metabase question can use as it is.
"""

from __future__ import annotations

from mercury_spotify.dashboards.definition import (
    LISTENING_TIME,
    PLAYS,
    STREAMS,
    Column,
    Text,
)

# Listener and incognito filters on dw.fact_play as f joined to dw.dim_listener as l.
PLAY_FILTERS = """({{listener}} = '' or l.listener_id = {{listener}})
      and (not coalesce(f.incognito, false) or {{include_incognito}} = 1)"""

# The plays of the chosen date range, listener and incognito setting.
RANGE_PLAYS_CTE = f"""filtered_plays as (

    select
        f.*,
        d.full_date,
        d.year,
        d.month,
        d.iso_day_of_week
    from dw.fact_play as f
    inner join dw.dim_date as d on d.date_key = f.date_key
    inner join dw.dim_listener as l on l.listener_key = f.listener_key
    where d.full_date between {{{{start_date}}}} and {{{{end_date}}}}
      and {PLAY_FILTERS}

)"""

# The chosen date range, listener and incognito setting, on dw.agg_daily_plays: plays summed per
# listener, day and track, far fewer rows than dw.fact_play for the cards that need no hour.
RANGE_DAYS_CTE = """filtered_days as (

    select
        a.*,
        d.full_date,
        d.year,
        d.month
    from dw.agg_daily_plays as a
    inner join dw.dim_date as d on d.date_key = a.date_key
    inner join dw.dim_listener as l on l.listener_key = a.listener_key
    where d.full_date between {{start_date}} and {{end_date}}
      and ({{listener}} = '' or l.listener_id = {{listener}})
      and (not a.incognito or {{include_incognito}} = 1)

)"""

# The chosen day and the day before, labelled so that results tell them apart.
DAY_PAIR_CTE = """days as (

    select cast({{day}} as date) as full_date, 'day' as which_day
    union all
    select cast({{day}} as date) - 1 as full_date, 'previous_day' as which_day

)"""

# The plays of the chosen day and the day before.
DAY_PLAYS_CTE = f"""day_plays as (

    select
        f.*,
        days.which_day
    from dw.fact_play as f
    inner join dw.dim_date as d on d.date_key = f.date_key
    inner join days on days.full_date = d.full_date
    inner join dw.dim_listener as l on l.listener_key = f.listener_key
    where {PLAY_FILTERS}

)"""

HOURS = Column("hours", Text("Hours played", "Horas ouvidas"), "hours", LISTENING_TIME)
MINUTES = Column("minutes", Text("Minutes played", "Minutos ouvidos"), "minutes", LISTENING_TIME)
STREAM_COUNT = Column("streams", Text("Streams", "Streams"), "count", STREAMS)
SKIP_RATE = Column("skip_rate", Text("Skip rate", "Taxa de pulos"), "share", PLAYS)
MONTH = Column("month", Text("Month", "Mês"), "month")
ARTIST = Column("artist_name", Text("Artist", "Artista"))
TRACK = Column("track_name", Text("Track", "Faixa"))
ALBUM = Column("album_name", Text("Album", "Álbum"))
HOUR = Column("hour", Text("Hour", "Hora"), "count")
WHICH_DAY = Column("which_day", Text("Day", "Dia"), "which_day")
FULL_DATE = Column("full_date", Text("Date", "Data"), "date")
