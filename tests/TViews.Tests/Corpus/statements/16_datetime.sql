SELECT hired + 30 AS plus_days, hired - INTERVAL '1 month' AS minus_month, hired + interval '1 year 2 months' AS later FROM employee
-- @@
SELECT DATE '2024-03-01' - DATE '2024-02-01' AS days, DATE '2024-01-31' + 1 AS next_day, TIMESTAMP '2024-01-01 12:00' - TIMESTAMP '2023-12-31 00:00' AS span
-- @@
SELECT last_login AT TIME ZONE 'UTC' AS utc, last_login AT TIME ZONE 'America/New_York' AS ny FROM employee
-- @@
SELECT TIMESTAMP '2024-01-01 12:00' AT TIME ZONE 'Europe/Paris' AT TIME ZONE 'UTC' AS double_shift
-- @@
SELECT emp_id FROM employee WHERE last_login >= TIMESTAMPTZ '2024-03-01 00:00:00+00' AND last_login < TIMESTAMPTZ '2024-03-05 12:00:00+00'
-- @@
SELECT date_trunc('day', last_login AT TIME ZONE 'UTC') AS day, count(*) FROM employee WHERE last_login IS NOT NULL GROUP BY 1
-- @@
SELECT extract(epoch FROM TIMESTAMPTZ '2024-01-01 00:00:00+00')::bigint AS epoch, to_timestamp(0) AT TIME ZONE 'UTC' AS unix_zero
-- @@
SELECT shift * 2 AS double_shift, shift / 2 AS half, -shift AS neg, justify_hours(shift * 5) AS justified FROM employee WHERE shift IS NOT NULL
-- @@
SELECT make_date(2024, 2, 29) AS d, make_timestamp(2024, 1, 2, 3, 4, 5.5) AS ts, make_timestamptz(2024, 1, 2, 3, 4, 5, 'UTC') AT TIME ZONE 'UTC' AS tstz
-- @@
SELECT proj_id, coalesce(ends, DATE '2030-01-01') - starts AS duration FROM project
-- @@
SELECT proj_id FROM project WHERE starts BETWEEN DATE '2020-01-01' AND DATE '2021-12-31' AND (ends IS NULL OR ends > '2021-01-01')
-- @@
SELECT current_date - current_date AS zero, (current_timestamp - current_timestamp) = interval '0' AS same, localtimestamp - localtimestamp AS z2
-- @@
SELECT station, date_bin(INTERVAL '6 hours', taken_at, TIMESTAMPTZ '2024-01-01 00:00+00') AT TIME ZONE 'UTC' AS bucket, count(*)
FROM measurement
GROUP BY 1, 2
-- @@
SELECT interval '1 day' + interval '1 hour' AS a, interval '1 day' > interval '23 hours' AS b, interval '1 month' = interval '30 days' AS c,
       INTERVAL '2 days' - INTERVAL '1 day 12 hours' AS d, 2 * INTERVAL '3 minutes' AS e
-- @@
SELECT generate_series(TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-02', '6 hours') AS ts
-- @@
SELECT extract(isodow FROM d) AS dow, extract(week FROM d) AS wk, extract(doy FROM d) AS doy, extract(quarter FROM d) AS q
FROM (VALUES (DATE '2024-01-01'), (DATE '2024-12-31')) v(d)
-- @@
SELECT TIME '10:00' + INTERVAL '3 hours' AS t, TIME '23:00' + INTERVAL '2 hours' AS wrap, TIMETZ '10:00+02' AS tz
