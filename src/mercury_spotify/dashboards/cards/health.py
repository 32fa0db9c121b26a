"""Cards of the health dashboard: runs, freshness, gaps, rejected records, backlog and size.

These cards read the run log and rejected records in ``raw`` besides ``dw``. They count every
play, incognito ones included, because they describe the data rather than the listening.
"""

from __future__ import annotations

from mercury_spotify.dashboards.definition import NO_MEASURE, Card, Column, Text

# A stretch of at least this many calendar days without any play is shown as a possible gap.
MIN_GAP_DAYS = 2

LAST_RUNS = Card(
    id="last_runs",
    title=Text("Last runs", "Últimas execuções"),
    description=Text(
        "The latest run of each kind (import, sync, enrichment, build, backup), its status, and "
        "when a run of that kind last succeeded.",
        "A execução mais recente de cada tipo (importação, sincronização, enriquecimento, build, "
        "backup), seu status e quando uma execução desse tipo teve sucesso pela última vez.",
    ),
    sql="""with ranked_runs as (

    select
        kind,
        status,
        started_at,
        finished_at,
        error,
        row_number() over (partition by kind order by started_at desc) as recency
    from dw.pipeline_run

),

last_successes as (

    select
        kind,
        max(finished_at) as last_succeeded_at
    from dw.pipeline_run
    where status = 'succeeded'
    group by kind

)

select
    r.kind,
    r.status,
    r.started_at,
    r.finished_at,
    s.last_succeeded_at,
    r.error
from ranked_runs as r
left join last_successes as s on s.kind = r.kind
where r.recency = 1
order by r.kind""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("kind", Text("Kind", "Tipo"), "run_kind"),
        Column("status", Text("Status", "Status"), "run_status"),
        Column("started_at", Text("Started", "Início"), "timestamp"),
        Column("finished_at", Text("Finished", "Fim"), "timestamp"),
        Column("last_succeeded_at", Text("Last success", "Último sucesso"), "timestamp"),
        Column("error", Text("Error", "Erro")),
    ),
)

FRESHNESS = Card(
    id="freshness",
    title=Text("Data by source", "Dados por fonte"),
    description=Text(
        "Plays per source (extended export, account data, Web API) and the latest play of each, "
        "counting every play.",
        "Reproduções por fonte (exportação estendida, dados da conta, Web API) e a reprodução "
        "mais recente de cada uma, contando todas as reproduções.",
    ),
    sql="""select
    source,
    count(*) as plays,
    min(started_at) as first_play_at,
    max(ended_at) as last_play_at
from dw.fact_play
group by source
order by source""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("source", Text("Source", "Fonte"), "source"),
        Column("plays", Text("Plays (all)", "Reproduções (todas)"), "count"),
        Column("first_play_at", Text("First play", "Primeira reprodução"), "timestamp"),
        Column("last_play_at", Text("Latest play", "Reprodução mais recente"), "timestamp"),
    ),
)

POSSIBLE_GAPS = Card(
    id="possible_gaps",
    title=Text("Possible gaps", "Possíveis lacunas"),
    description=Text(
        f"Stretches of {MIN_GAP_DAYS} or more local days without any play, between the first and "
        "the latest day with plays: a missing export file or a sync that did not run, or just "
        "days without music.",
        f"Intervalos de {MIN_GAP_DAYS} ou mais dias locais sem nenhuma reprodução, entre o primeiro "
        "e o último dia com reproduções: um arquivo de exportação faltando ou uma sincronização "
        "que não rodou, ou apenas dias sem música.",
    ),
    sql=f"""with active_days as (

    select distinct d.full_date
    from dw.fact_play as f
    inner join dw.dim_date as d on d.date_key = f.date_key

),

with_previous as (

    select
        full_date,
        lag(full_date) over (order by full_date) as previous_active_day
    from active_days

)

select
    previous_active_day + 1 as gap_start,
    full_date - 1 as gap_end,
    full_date - previous_active_day - 1 as empty_days
from with_previous
where full_date - previous_active_day - 1 >= {MIN_GAP_DAYS}
order by gap_start desc""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("gap_start", Text("From", "De"), "date"),
        Column("gap_end", Text("To", "Até"), "date"),
        Column("empty_days", Text("Days without plays", "Dias sem reproduções"), "count"),
    ),
)

REJECTED_RECORDS = Card(
    id="rejected_records",
    title=Text("Rejected records", "Registros rejeitados"),
    description=Text(
        "Records that could not be read, per reason, with the latest run that met one.",
        "Registros que não puderam ser lidos, por motivo, com a execução mais recente que "
        "encontrou um deles.",
    ),
    sql="""select
    r.reason,
    r.source,
    cast(sum(r.records) as bigint) as records,
    max(lr.started_at) as last_seen_at
from dw.rejected_record_summary as r
left join dw.pipeline_run as lr on lr.run_id = r.run_id
group by r.reason, r.source
order by records desc, r.reason""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("reason", Text("Reason", "Motivo")),
        Column("source", Text("Source", "Fonte")),
        Column("records", Text("Records", "Registros"), "count"),
        Column("last_seen_at", Text("Last seen", "Visto por último"), "timestamp"),
    ),
)

ENRICHMENT_BACKLOG = Card(
    id="enrichment_backlog",
    title=Text("Enrichment backlog", "Pendências de enriquecimento"),
    description=Text(
        "Catalogue entries still without Web API details: tracks with a URI but no duration, and "
        "artists and albums known by name only.",
        "Itens do catálogo ainda sem detalhes da Web API: faixas com URI mas sem duração, e "
        "artistas e álbuns conhecidos só pelo nome.",
    ),
    sql="""select
    'track' as item,
    count(*) filter (where track_uri is not null and duration_ms is null) as waiting,
    count(*) as total
from dw.dim_track

union all

select
    'artist' as item,
    count(*) filter (where artist_uri is null) as waiting,
    count(*) as total
from dw.dim_artist

union all

select
    'album' as item,
    count(*) filter (where album_uri is null) as waiting,
    count(*) as total
from dw.dim_album""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("item", Text("Item", "Item"), "catalogue_item"),
        Column("waiting", Text("Waiting", "Pendentes"), "count"),
        Column("total", Text("Total", "Total"), "count"),
    ),
)

FAILING_TESTS = Card(
    id="failing_tests",
    title=Text("Failing data tests", "Testes de dados com falha"),
    description=Text(
        "The dbt tests and models that failed in the latest build; empty when it passed.",
        "Os testes e modelos do dbt que falharam no build mais recente; vazio quando passou.",
    ),
    sql="""with latest_build as (

    select
        started_at,
        status,
        error,
        row_number() over (order by started_at desc) as recency
    from dw.pipeline_run
    where kind = 'build'
      and status <> 'running'

)

select
    started_at,
    status,
    error as failures
from latest_build
where recency = 1""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("started_at", Text("Build started", "Início do build"), "timestamp"),
        Column("status", Text("Status", "Status"), "run_status"),
        Column("failures", Text("Failures", "Falhas")),
    ),
)

TABLE_ROWS = Card(
    id="table_rows",
    title=Text("Rows per table", "Linhas por tabela"),
    description=Text(
        "Rows in each table of the star schema.",
        "Linhas em cada tabela do esquema estrela.",
    ),
    sql="""select 'fact_play' as table_name, count(*) as row_count from dw.fact_play
union all
select 'dim_track' as table_name, count(*) as row_count from dw.dim_track
union all
select 'dim_artist' as table_name, count(*) as row_count from dw.dim_artist
union all
select 'dim_album' as table_name, count(*) as row_count from dw.dim_album
union all
select 'dim_episode' as table_name, count(*) as row_count from dw.dim_episode
union all
select 'dim_listener' as table_name, count(*) as row_count from dw.dim_listener
union all
select 'dim_date' as table_name, count(*) as row_count from dw.dim_date""",
    chart="table",
    measure=NO_MEASURE,
    columns=(
        Column("table_name", Text("Table", "Tabela")),
        Column("row_count", Text("Rows", "Linhas"), "count"),
    ),
)

DATABASE_SIZE = Card(
    id="database_size",
    title=Text("Database size", "Tamanho do banco"),
    description=Text(
        "Space the warehouse takes on disk.",
        "Espaço que o banco de dados ocupa em disco.",
    ),
    sql="",
    dialect_sql={
        "duckdb": "select block_size * total_blocks as size_bytes from pragma_database_size()",
        "postgres": "select pg_database_size(current_database()) as size_bytes",
    },
    chart="kpi",
    measure=NO_MEASURE,
    columns=(Column("size_bytes", Text("Size", "Tamanho"), "bytes"),),
)

CARDS = (
    LAST_RUNS,
    FRESHNESS,
    POSSIBLE_GAPS,
    REJECTED_RECORDS,
    ENRICHMENT_BACKLOG,
    FAILING_TESTS,
    TABLE_ROWS,
    DATABASE_SIZE,
)
