with minutes as (

    select cast(series.minute_of_day as integer) as time_key
    from generate_series(0, 1439) as series(minute_of_day)

),

described as (

    select
        time_key,
        cast((time_key - time_key % 60) / 60 as integer) as hour,
        cast(time_key % 60 as integer) as minute,
        case
            when time_key < 360 then 'night'
            when time_key < 720 then 'morning'
            when time_key < 1080 then 'afternoon'
            else 'evening'
        end as day_period
    from minutes

)

select * from described
