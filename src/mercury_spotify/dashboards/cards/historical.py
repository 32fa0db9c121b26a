"""Cards of the historical dashboard: everything over a date range."""

from __future__ import annotations

from mercury_spotify.dashboards.cards.common import (
    ALBUM,
    ARTIST,
    HOUR,
    HOURS,
    MINUTES,
    MONTH,
    RANGE_DAYS_CTE,
    RANGE_PLAYS_CTE,
    SKIP_RATE,
    STREAM_COUNT,
    TRACK,
)
from mercury_spotify.dashboards.definition import (
    LISTENING_TIME,
    PLAYS,
    STREAMS,
    Card,
    Column,
    Text,
)

RANGE_PARAMETERS = ("start_date", "end_date", "listener", "include_incognito")

SUMMARY = Card(
    id="historical_summary",
    title=Text("Totals", "Totais"),
    description=Text(
        "Hours played (listening time summed), streams counted, and distinct tracks, artists and "
        "albums with at least one stream, over the chosen dates.",
        "Horas ouvidas (soma do tempo de escuta), streams contados e faixas, artistas e álbuns "
        "distintos com pelo menos um stream, no período escolhido.",
    ),
    sql=f"""with {RANGE_DAYS_CTE}

select
    coalesce(sum(ms_played), 0) / 3600000.0 as hours,
    cast(coalesce(sum(streams), 0) as bigint) as streams,
    count(distinct track_key) filter (where streams > 0) as tracks,
    count(distinct artist_key) filter (where streams > 0) as artists,
    count(distinct album_key) filter (where streams > 0) as albums,
    min(full_date) as first_day,
    max(full_date) as last_day
from filtered_days""",
    chart="kpi",
    measure=LISTENING_TIME,
    columns=(
        HOURS,
        STREAM_COUNT,
        Column("tracks", Text("Distinct tracks", "Faixas distintas"), "count", STREAMS),
        Column("artists", Text("Distinct artists", "Artistas distintos"), "count", STREAMS),
        Column("albums", Text("Distinct albums", "Álbuns distintos"), "count", STREAMS),
        Column("first_day", Text("First day", "Primeiro dia"), "date"),
        Column("last_day", Text("Last day", "Último dia"), "date"),
    ),
    parameters=RANGE_PARAMETERS,
)

HOURS_PER_MONTH = Card(
    id="hours_per_month",
    title=Text("Hours per month", "Horas por mês"),
    description=Text(
        "Listening time summed per calendar month, in hours; the tooltip adds the streams.",
        "Tempo de escuta somado por mês, em horas; a dica mostra também os streams.",
    ),
    sql=f"""with {RANGE_DAYS_CTE}

select
    make_date(year, month, 1) as month,
    sum(ms_played) / 3600000.0 as hours,
    cast(sum(streams) as bigint) as streams
from filtered_days
group by year, month
order by month""",
    chart="bar",
    measure=LISTENING_TIME,
    columns=(MONTH, HOURS, STREAM_COUNT),
    parameters=RANGE_PARAMETERS,
)


def _top_card(card_id: str, title: Text, description: Text, name_columns: tuple[Column, ...],
              select_names: str, joins: str, group_by: str, key_filter: str) -> Card:
    """Build a top-10 card ranked by listening time, with the streams beside it."""
    return Card(
        id=card_id,
        title=title,
        description=description,
        sql=f"""with {RANGE_DAYS_CTE}

select
    {select_names},
    sum(p.ms_played) / 60000.0 as minutes,
    cast(sum(p.streams) as bigint) as streams
from filtered_days as p
{joins}
where {key_filter}
group by {group_by}
order by minutes desc, streams desc, {group_by}
limit 10""",
        chart="horizontal_bar",
        measure=LISTENING_TIME,
        columns=(*name_columns, MINUTES, STREAM_COUNT),
        parameters=RANGE_PARAMETERS,
    )


TOP_ARTISTS = _top_card(
    "top_artists",
    Text("Top artists", "Artistas mais ouvidos"),
    Text("The 10 artists with the most listening time (minutes), with their streams.",
         "Os 10 artistas com mais tempo de escuta (minutos), com seus streams."),
    (ARTIST,),
    "a.artist_name",
    "inner join dw.dim_artist as a on a.artist_key = p.artist_key",
    "a.artist_name",
    "p.artist_key is not null",
)

TOP_TRACKS = _top_card(
    "top_tracks",
    Text("Top tracks", "Faixas mais ouvidas"),
    Text("The 10 tracks with the most listening time (minutes), with their streams.",
         "As 10 faixas com mais tempo de escuta (minutos), com seus streams."),
    (TRACK, ARTIST),
    "t.track_name,\n    a.artist_name",
    "inner join dw.dim_track as t on t.track_key = p.track_key\n"
    "left join dw.dim_artist as a on a.artist_key = p.artist_key",
    "t.track_name, a.artist_name",
    "p.track_key is not null",
)

TOP_ALBUMS = _top_card(
    "top_albums",
    Text("Top albums", "Álbuns mais ouvidos"),
    Text("The 10 albums with the most listening time (minutes), with their streams.",
         "Os 10 álbuns com mais tempo de escuta (minutos), com seus streams."),
    (ALBUM, ARTIST),
    "al.album_name,\n    a.artist_name",
    "inner join dw.dim_album as al on al.album_key = p.album_key\n"
    "left join dw.dim_artist as a on a.artist_key = p.artist_key",
    "al.album_name, a.artist_name",
    "p.album_key is not null",
)

WEEKDAY_HOUR = Card(
    id="weekday_hour",
    title=Text("When you listen", "Quando você ouve"),
    description=Text(
        "Listening time summed per weekday and hour of the local start, in hours.",
        "Tempo de escuta somado por dia da semana e hora local de início, em horas.",
    ),
    sql=f"""with {RANGE_PLAYS_CTE}

select
    p.iso_day_of_week,
    t.hour,
    sum(p.ms_played) / 3600000.0 as hours,
    count(*) filter (where p.is_stream) as streams
from filtered_plays as p
inner join dw.dim_time as t on t.time_key = p.time_key
group by p.iso_day_of_week, t.hour
order by p.iso_day_of_week, t.hour""",
    chart="heatmap",
    measure=LISTENING_TIME,
    columns=(
        Column("iso_day_of_week", Text("Weekday", "Dia da semana"), "weekday"),
        HOUR,
        HOURS,
        STREAM_COUNT,
    ),
    parameters=RANGE_PARAMETERS,
)

HOURS_BY_PLATFORM = Card(
    id="hours_by_platform",
    title=Text("Hours by platform", "Horas por plataforma"),
    description=Text(
        "Listening time summed per kind of device, in hours.",
        "Tempo de escuta somado por tipo de aparelho, em horas.",
    ),
    sql=f"""with {RANGE_PLAYS_CTE}

select
    coalesce(platform_family, 'unknown') as platform_family,
    sum(ms_played) / 3600000.0 as hours,
    count(*) filter (where is_stream) as streams
from filtered_plays
group by coalesce(platform_family, 'unknown')
order by hours desc, platform_family""",
    chart="horizontal_bar",
    measure=LISTENING_TIME,
    columns=(
        Column("platform_family", Text("Platform", "Plataforma"), "platform"),
        HOURS,
        STREAM_COUNT,
    ),
    parameters=RANGE_PARAMETERS,
)

SKIP_RATE_PER_MONTH = Card(
    id="skip_rate_per_month",
    title=Text("Skip rate per month", "Taxa de pulos por mês"),
    description=Text(
        "Share of plays skipped, among the plays whose source records skips.",
        "Parcela das reproduções puladas, entre as reproduções cuja fonte registra pulos.",
    ),
    sql=f"""with {RANGE_DAYS_CTE}

select
    make_date(year, month, 1) as month,
    1.0 * sum(skipped_plays) / nullif(sum(plays_with_skip_flag), 0) as skip_rate,
    cast(sum(plays_with_skip_flag) as bigint) as plays
from filtered_days
group by year, month
order by month""",
    chart="line",
    measure=PLAYS,
    columns=(
        MONTH,
        SKIP_RATE,
        Column("plays", Text("Plays with a skip flag", "Reproduções com registro de pulo"), "count", PLAYS),
    ),
    parameters=RANGE_PARAMETERS,
)

NEW_ARTISTS_PER_MONTH = Card(
    id="new_artists_per_month",
    title=Text("New artists per month", "Artistas novos por mês"),
    description=Text(
        "Artists whose first stream ever (over all your history) fell in each month.",
        "Artistas cujo primeiro stream (em todo o histórico) caiu em cada mês.",
    ),
    sql="""with first_streams as (

    select
        a.artist_key,
        min(d.full_date) as first_day
    from dw.agg_daily_plays as a
    inner join dw.dim_date as d on d.date_key = a.date_key
    inner join dw.dim_listener as l on l.listener_key = a.listener_key
    where a.streams > 0
      and a.artist_key is not null
      and ({{listener}} = '' or l.listener_id = {{listener}})
      and (not a.incognito or {{include_incognito}} = 1)
    group by a.artist_key

)

select
    make_date(d.year, d.month, 1) as month,
    count(*) as new_artists
from first_streams as s
inner join dw.dim_date as d on d.full_date = s.first_day
where s.first_day between {{start_date}} and {{end_date}}
group by d.year, d.month
order by month""",
    chart="bar",
    measure=STREAMS,
    columns=(
        MONTH,
        Column("new_artists", Text("New artists (first stream)", "Artistas novos (primeiro stream)"),
               "count", STREAMS),
    ),
    parameters=RANGE_PARAMETERS,
)

CONTENT_SHARE = Card(
    id="content_share",
    title=Text("Music, podcasts and audiobooks", "Música, podcasts e audiolivros"),
    description=Text(
        "Share of listening time per kind of content.",
        "Parcela do tempo de escuta por tipo de conteúdo.",
    ),
    sql=f"""with {RANGE_DAYS_CTE}

select
    content_type,
    sum(ms_played) / 3600000.0 as hours,
    1.0 * sum(ms_played) / nullif(sum(sum(ms_played)) over (), 0) as share,
    cast(sum(streams) as bigint) as streams
from filtered_days
group by content_type
order by hours desc, content_type""",
    chart="donut",
    measure=LISTENING_TIME,
    columns=(
        Column("content_type", Text("Content", "Conteúdo"), "content_type"),
        HOURS,
        Column("share", Text("Share of listening time", "Parcela do tempo de escuta"), "share",
               LISTENING_TIME),
        STREAM_COUNT,
    ),
    parameters=RANGE_PARAMETERS,
)

CARDS = (
    SUMMARY,
    HOURS_PER_MONTH,
    TOP_ARTISTS,
    TOP_TRACKS,
    TOP_ALBUMS,
    WEEKDAY_HOUR,
    HOURS_BY_PLATFORM,
    SKIP_RATE_PER_MONTH,
    NEW_ARTISTS_PER_MONTH,
    CONTENT_SHARE,
)
