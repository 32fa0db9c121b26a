-- Each API play pairs with at most one extended or account-data play, and the other way round.
select api_play_id as play_id, count(*) as pairs
from {{ ref('int_api_extended_matches') }}
group by api_play_id
having count(*) > 1
union all
select extended_play_id as play_id, count(*) as pairs
from {{ ref('int_api_extended_matches') }}
group by extended_play_id
having count(*) > 1
union all
select api_play_id as play_id, count(*) as pairs
from {{ ref('int_account_api_matches') }}
group by api_play_id
having count(*) > 1
union all
select account_play_id as play_id, count(*) as pairs
from {{ ref('int_account_api_matches') }}
group by account_play_id
having count(*) > 1
