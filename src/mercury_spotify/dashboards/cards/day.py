"""Cards of the day dashboard: one day, compared with the day before."""

from __future__ import annotations

from mercury_spotify.dashboards.cards.common import (
    ARTIST,
    DAY_PAIR_CTE,
    DAY_PLAYS_CTE,
    FULL_DATE,
    HOUR,
    MINUTES,
    PLAY_FILTERS,
    SKIP_RATE,
    STREAM_COUNT,
    TRACK,
    WHICH_DAY,
)
from mercury_spotify.dashboards.definition import (
    LISTENING_TIME,
    NO_MEASURE,
    STREAMS,
    Card,
    Column,
    Text,
)

DAY_PARAMETERS = ("day", "listener", "include_incognito")

DAY_SUMMARY = Card(
    id="day_summary",
    title=Text("The day and the day before", "O dia e o dia anterior"),
    description=Text(
        "Minutes played (listening time summed), streams counted, distinct tracks and artists "
        "with a stream, and the skip rate, for the day and the day before.",
        "Minutos ouvidos (soma do tempo de escuta), streams contados, faixas e artistas distintos "
        "com stream e a taxa de pulos, no dia e no dia anterior.",
    ),
    sql=f"""with {DAY_PAIR_CTE},

{DAY_PLAYS_CTE}

select
    days.which_day,
    days.full_date,
    coalesce(sum(p.ms_played), 0) / 60000.0 as minutes,
    count(p.play_key) filter (where p.is_stream) as streams,
    count(distinct p.track_key) filter (where p.is_stream) as tracks,
    count(distinct p.artist_key) filter (where p.is_stream) as artists,
    1.0 * count(p.play_key) filter (where p.is_skipped)
        / nullif(count(p.play_key) filter (where p.is_skipped is not null), 0) as skip_rate
from days
left join day_plays as p on p.which_day = days.which_day
group by days.which_day, days.full_date
order by days.full_date desc""",
    chart="kpi",
    measure=LISTENING_TIME,
    columns=(
        WHICH_DAY,
        FULL_DATE,
        MINUTES,
        STREAM_COUNT,
        Column("tracks", Text("Distinct tracks", "Faixas distintas"), "count", STREAMS),
        Column("artists", Text("Distinct artists", "Artistas distintos"), "count", STREAMS),
        SKIP_RATE,
    ),
    parameters=DAY_PARAMETERS,
)

MINUTES_PER_HOUR = Card(
    id="minutes_per_hour",
    title=Text("Minutes per hour", "Minutos por hora"),
    description=Text(
        "Listening time summed per local hour, in minutes, for the day and the day before.",
        "Tempo de escuta somado por hora local, em minutos, no dia e no dia anterior.",
    ),
    sql=f"""with {DAY_PAIR_CTE},

{DAY_PLAYS_CTE},

hours as (

    select distinct hour from dw.dim_time

),

per_hour as (

    select
        p.which_day,
        t.hour,
        sum(p.ms_played) as ms_played,
        count(*) filter (where p.is_stream) as streams
    from day_plays as p
    inner join dw.dim_time as t on t.time_key = p.time_key
    group by p.which_day, t.hour

)

select
    days.which_day,
    days.full_date,
    hours.hour,
    coalesce(per_hour.ms_played, 0) / 60000.0 as minutes,
    coalesce(per_hour.streams, 0) as streams
from days
cross join hours
left join per_hour on per_hour.which_day = days.which_day and per_hour.hour = hours.hour
order by days.full_date, hours.hour""",
    chart="grouped_bar",
    measure=LISTENING_TIME,
    columns=(WHICH_DAY, FULL_DATE, HOUR, MINUTES, STREAM_COUNT),
    parameters=DAY_PARAMETERS,
)


def _top_of_day(card_id: str, title: Text, description: Text, name_columns: tuple[Column, ...],
                select_names: str, joins: str, group_by: str, key_filter: str) -> Card:
    """Build a top-10 card of the chosen day, ranked by listening time, with the streams beside it."""
    return Card(
        id=card_id,
        title=title,
        description=description,
        sql=f"""with {DAY_PAIR_CTE},

{DAY_PLAYS_CTE}

select
    {select_names},
    sum(p.ms_played) / 60000.0 as minutes,
    count(*) filter (where p.is_stream) as streams
from day_plays as p
{joins}
where p.which_day = 'day'
  and {key_filter}
group by {group_by}
order by minutes desc, streams desc, {group_by}
limit 10""",
        chart="horizontal_bar",
        measure=LISTENING_TIME,
        columns=(*name_columns, MINUTES, STREAM_COUNT),
        parameters=DAY_PARAMETERS,
    )


TOP_TRACKS_OF_DAY = _top_of_day(
    "top_tracks_of_day",
    Text("Top tracks of the day", "Faixas mais ouvidas do dia"),
    Text("The day's 10 tracks with the most listening time (minutes), with their streams.",
         "As 10 faixas com mais tempo de escuta no dia (minutos), com seus streams."),
    (TRACK, ARTIST),
    "t.track_name,\n    a.artist_name",
    "inner join dw.dim_track as t on t.track_key = p.track_key\n"
    "left join dw.dim_artist as a on a.artist_key = p.artist_key",
    "t.track_name, a.artist_name",
    "p.track_key is not null",
)

TOP_ARTISTS_OF_DAY = _top_of_day(
    "top_artists_of_day",
    Text("Top artists of the day", "Artistas mais ouvidos do dia"),
    Text("The day's 10 artists with the most listening time (minutes), with their streams.",
         "Os 10 artistas com mais tempo de escuta no dia (minutos), com seus streams."),
    (ARTIST,),
    "a.artist_name",
    "inner join dw.dim_artist as a on a.artist_key = p.artist_key",
    "a.artist_name",
    "p.artist_key is not null",
)

FIRST_LISTENS = Card(
    id="first_listens",
    title=Text("First-ever listens", "Primeiras audições"),
    description=Text(
        "Tracks whose first stream ever (over all your history) was on this day, with the "
        "streams and minutes of the day.",
        "Faixas cujo primeiro stream (em todo o histórico) foi neste dia, com os streams e os "
        "minutos do dia.",
    ),
    sql=f"""with first_stream_days as (

    select
        a.track_key,
        min(a.date_key) as first_date_key
    from dw.agg_daily_plays as a
    inner join dw.dim_listener as l on l.listener_key = a.listener_key
    where a.streams > 0
      and a.track_key is not null
      and ({{{{listener}}}} = '' or l.listener_id = {{{{listener}}}})
      and (not a.incognito or {{{{include_incognito}}}} = 1)
    group by a.track_key

),

chosen_day as (

    select date_key from dw.dim_date where full_date = {{{{day}}}}

),

day_plays as (

    select f.*
    from dw.fact_play as f
    inner join chosen_day on chosen_day.date_key = f.date_key
    inner join dw.dim_listener as l on l.listener_key = f.listener_key
    where {PLAY_FILTERS}

),

first_listens as (

    select
        p.track_key,
        min(p.local_started_at) filter (where p.is_stream) as first_local_time,
        sum(p.ms_played) / 60000.0 as minutes,
        count(*) filter (where p.is_stream) as streams
    from day_plays as p
    inner join first_stream_days as s
        on s.track_key = p.track_key and s.first_date_key = p.date_key
    group by p.track_key

)

select
    fl.first_local_time,
    t.track_name,
    a.artist_name,
    fl.streams,
    fl.minutes
from first_listens as fl
inner join dw.dim_track as t on t.track_key = fl.track_key
left join dw.bridge_track_artist as b on b.track_key = fl.track_key and b.artist_position = 0
left join dw.dim_artist as a on a.artist_key = b.artist_key
order by fl.first_local_time, t.track_name""",
    chart="table",
    measure=STREAMS,
    columns=(
        Column("first_local_time", Text("First stream (local time)", "Primeiro stream (hora local)"),
               "local_time"),
        TRACK,
        ARTIST,
        STREAM_COUNT,
        MINUTES,
    ),
    parameters=DAY_PARAMETERS,
)

PLAYS_OF_DAY = Card(
    id="plays_of_day",
    title=Text("Plays of the day", "Reproduções do dia"),
    description=Text(
        "Every play of the day in order of its local start, with the time played; plays under "
        "the stream threshold are not streams.",
        "Todas as reproduções do dia na ordem do início local, com o tempo ouvido; reproduções "
        "abaixo do limite de stream não contam como stream.",
    ),
    sql=f"""with {DAY_PAIR_CTE},

{DAY_PLAYS_CTE}

select
    p.local_started_at,
    coalesce(t.track_name, e.episode_name) as title,
    coalesce(a.artist_name, e.show_name) as artist_or_show,
    p.content_type,
    p.ms_played / 60000.0 as minutes,
    p.is_stream,
    p.is_skipped,
    p.platform_family,
    p.incognito
from day_plays as p
left join dw.dim_track as t on t.track_key = p.track_key
left join dw.dim_artist as a on a.artist_key = p.artist_key
left join dw.dim_episode as e on e.episode_key = p.episode_key
where p.which_day = 'day'
order by p.local_started_at, p.play_key""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("local_started_at", Text("Start (local time)", "Início (hora local)"), "local_time"),
        Column("title", Text("Title", "Título")),
        Column("artist_or_show", Text("Artist or show", "Artista ou programa")),
        Column("content_type", Text("Content", "Conteúdo"), "content_type"),
        MINUTES,
        Column("is_stream", Text("Stream", "Stream"), "flag", STREAMS),
        Column("is_skipped", Text("Skipped", "Pulada"), "flag"),
        Column("platform_family", Text("Platform", "Plataforma"), "platform"),
        Column("incognito", Text("Incognito", "Anônima"), "flag"),
    ),
    parameters=DAY_PARAMETERS,
)

CARDS = (
    DAY_SUMMARY,
    MINUTES_PER_HOUR,
    TOP_TRACKS_OF_DAY,
    TOP_ARTISTS_OF_DAY,
    FIRST_LISTENS,
    PLAYS_OF_DAY,
)
