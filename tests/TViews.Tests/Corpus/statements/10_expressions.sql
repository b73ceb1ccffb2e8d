SELECT 2 - 3 - 4 AS a, 2 - (3 - 4) AS b, 2 * 3 + 4 AS c, 2 * (3 + 4) AS d, 2 + 3 * 4 AS e
-- @@
SELECT 2 ^ 3 ^ 2 AS left_assoc, 2 ^ (3 ^ 2) AS right_grouped, (2 ^ 3) ^ 2 AS left_grouped
-- @@
SELECT - 2 ^ 2 AS neg_first, -(2 ^ 2) AS neg_after, (-2) ^ 2 AS neg_base
-- @@
SELECT -1::int AS a, (-1)::int AS b, -(1::int) AS c, - 1 AS d, -'1'::int AS e
-- @@
SELECT 7 / 2 AS int_div, 7 % 3 AS modulo, -7 / 2 AS neg_div, 7.0 / 2 AS num_div, 7 / 2.0 AS num_div2
-- @@
SELECT 10 - -3 AS a, 10 - - 3 AS b, - -3 AS c, +3 AS d, 10 + +3 AS e, 5 * -1 AS f
-- @@
SELECT n, n * n - n / 2 + n % 3 AS expr, (n + 1) * (n - 1) AS diff FROM num
-- @@
SELECT |/ 16.0 AS sqrt, ||/ 27.0 AS cbrt, @ -5 AS abs, 5 & 3 AS band, 5 | 3 AS bor, 5 # 3 AS bxor, ~ 5 AS bnot, 1 << 4 AS shl, 256 >> 2 AS shr
-- @@
SELECT 1 + 2 * 3 = 7 AND 2 ^ 2 > 3 OR false AS b
-- @@
SELECT 'a' || 'b' || 'c' AS s, 'x' || 1 || 2 AS t, 1 || '' AS u, ARRAY[1] || 2 AS arr
-- @@
SELECT 1 + 1 = 2 IS TRUE AS a, NOT 1 = 2 AS b, NOT NULL IS NULL AS c
-- @@
SELECT 'abc' < 'abd' AND 'b' > 'a' AS str_cmp, 5 BETWEEN 1 + 1 AND 2 * 3 AS bw
-- @@
SELECT salary + coalesce(bonus, 0) AS total FROM employee
-- @@
SELECT CASE WHEN rating >= 5 THEN 'star' WHEN rating >= 3 THEN 'good' WHEN rating IS NULL THEN 'unrated' ELSE 'meh' END AS grade
FROM employee
-- @@
SELECT CASE dept_id WHEN 4 THEN 'backend' WHEN 5 THEN 'frontend' END AS team FROM employee
-- @@
SELECT CASE feeling WHEN 'happy' THEN 1 WHEN 'sad' THEN -1 ELSE 0 END AS score FROM employee
-- @@
SELECT CASE WHEN n < 0 THEN CASE WHEN n < -3 THEN 'very negative' ELSE 'negative' END WHEN n = 0 THEN 'zero' ELSE 'positive' END FROM num
-- @@
SELECT CASE true WHEN n > 5 THEN 'big' ELSE 'small' END AS size FROM num
-- @@
SELECT (CASE WHEN active THEN salary END) * 2 AS doubled FROM employee
-- @@
SELECT '42'::int, '3.14'::numeric(4,2), 42::text, 1::boolean, 'yes'::bool, '2024-02-29'::date
-- @@
SELECT CAST('42' AS integer), CAST(3.99 AS int), CAST(salary AS bigint), CAST(NULL AS text) FROM employee WHERE emp_id = 1
-- @@
SELECT 12.345::numeric(10,2) AS a, 'abcdefgh'::varchar(5) AS b, 'ab'::char(4) AS c, 'xyz'::character varying(2) AS d,
       1.5::double precision AS e, 2.5::real AS f, 3::smallint AS g, 4::bigint AS h, 5::float8 AS i, 6::float(24) AS j
-- @@
SELECT '{1,2,3}'::int[] AS a, ARRAY['ab', 'cde']::varchar(2)[] AS b, '{{1,2},{3,4}}'::integer[][] AS c, '{}'::text[] AS d,
       ARRAY[1.5]::numeric(5,1)[] AS e
-- @@
SELECT '12:34:56+02'::time with time zone AS a, '12:34:56'::time without time zone AS b,
       '2024-01-02 03:04:05'::timestamp without time zone AS c, '12:00'::time(0) AS d,
       '2024-01-02 03:04:05.678+00'::timestamp(1) with time zone AT TIME ZONE 'UTC' AS e
-- @@
SELECT CAST('1 day' AS interval) AS a, '90 minutes'::interval AS b, CAST('{"a":1}' AS jsonb) AS c, 'ok'::mood AS d, '(x,y,z)'::address_t AS e
-- @@
SELECT DATE '2024-02-29' AS d, TIME '12:34' AS t, TIMESTAMP '2024-01-01 00:00' AS ts, TIMESTAMPTZ '2024-01-01 00:00+02' AT TIME ZONE 'UTC' AS tstz,
       INTERVAL '1 day' AS i1, interval '2 hours 30 minutes' AS i2
-- @@
SELECT interval '1' day AS a, interval '3' hour AS b, INTERVAL '1-2' YEAR TO MONTH AS c, INTERVAL '10:20' MINUTE TO SECOND AS d,
       INTERVAL '5 4:03:02' DAY TO SECOND AS e, interval '1.234567' second(3) AS f
-- @@
SELECT int '42' + int4 '1' AS a, numeric '1.50' AS b, text 'hello' AS c, bool 't' AS d, float8 '2.5' AS e, jsonb '{"k": [1]}' AS f
-- @@
SELECT timestamp with time zone '2024-06-01 12:00:00+00' AT TIME ZONE 'Asia/Tokyo' AS tokyo,
       time with time zone '10:00:00+05' AS tz, character varying '123' AS v
-- @@
SELECT pg_catalog.int4 '7' AS a, pg_catalog.text(8) AS b, 9::pg_catalog.int8 AS c, 'ok'::public.mood::text AS d
-- @@
SELECT x::text::int::numeric(6,2)::text FROM (SELECT 12 AS x) s
-- @@
SELECT (salary / 1000)::int AS k, (salary::int / 1000) AS k2, salary::text || '€' AS label FROM employee
-- @@
SELECT n::float8 / 4 AS quarter, n::numeric / 3 AS third, n::bit(4) AS bits FROM num WHERE n BETWEEN 0 AND 5
-- @@
SELECT coalesce(bonus, rating::numeric, -1) AS c, nullif(rating, 5) AS n, greatest(salary, 100000, bonus) AS g, least(rating, 3, NULL) AS l FROM employee
-- @@
SELECT 1 IN (1, 2) = true AS a, 3 NOT IN (1, NULL) AS b, NULL IN (1) AS c, 1 = ANY ('{1,2}') AS d
-- @@
SELECT n FROM num WHERE n * 2 + 1 > 10 - n AND NOT (n % 2 = 0 OR n < 0)
-- @@
SELECT n, (n > 3) = (n < 8) AS same_side FROM num
-- @@
SELECT (1 < 2) = true AS a, true = (1 < 2) AS b, 1 < 2 AND 2 <= 2 AS c
-- @@
SELECT 'abc' LIKE 'a%' = true AS a, 'abc' || 'def' LIKE '%cd%' AS b, 2 + 2 BETWEEN 3 AND 5 AS c
-- @@
SELECT - n AS neg, -n + 1 AS a, - (n + 1) AS b, n - -n AS c FROM num WHERE n IN (-1, 0, 2)
-- @@
SELECT 1 - 1 - 1 AS a, 100 / 10 / 5 AS b, 100 / (10 / 5) AS c, 2 * 3 % 4 AS d, 2 * (3 % 4) AS e
-- @@
SELECT 1 <-1 AS a, 2*-3 AS b, 4/-2 AS c, 5>=-1 AS d, 6<>-6 AS e, 7+-+7 AS f, factorial(5) AS g
