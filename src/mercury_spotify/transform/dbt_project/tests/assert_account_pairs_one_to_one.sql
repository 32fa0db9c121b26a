-- Each account-data play pairs with at most one extended play, and the other way round.
select account_play_id as play_id, count(*) as pairs
from {{ ref('int_account_extended_matches') }}
group by account_play_id
having count(*) > 1
union all
select extended_play_id as play_id, count(*) as pairs
from {{ ref('int_account_extended_matches') }}
group by extended_play_id
having count(*) > 1
