with plays as (

    select local_started_at from {{ ref('int_plays') }}

),

bounds as (

    select
        cast(min(local_started_at) as date) as first_day,
        cast(max(local_started_at) as date) as last_day
    from plays

),

days as (

    select cast(series.day_start as date) as full_date
    from bounds
    cross join generate_series(
        cast(bounds.first_day as timestamp),
        cast(bounds.last_day as timestamp),
        interval '1 day'
    ) as series(day_start)
    where bounds.first_day is not null

),

described as (

    select
        cast(extract(year from full_date) * 10000 + extract(month from full_date) * 100 + extract(day from full_date) as integer) as date_key,
        full_date,
        cast(extract(year from full_date) as integer) as year,
        cast(extract(quarter from full_date) as integer) as quarter,
        cast(extract(month from full_date) as integer) as month,
        cast(extract(day from full_date) as integer) as day,
        cast(extract(isodow from full_date) as integer) as iso_day_of_week,
        cast(extract(week from full_date) as integer) as week_of_year,
        extract(isodow from full_date) in (6, 7) as is_weekend
    from days

)

select * from described
