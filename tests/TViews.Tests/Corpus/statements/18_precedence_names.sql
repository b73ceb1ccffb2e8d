SELECT 2 + 3 || 'x' AS a, 'a' || 1 + 2 AS b, 1 + 2 || (3 * 4)::text AS c, 'x' || (2 + 3) AS d, (2 + 3) || 'x' AS e
-- @@
SELECT 2 * 3 ^ 2 AS a, (2 * 3) ^ 2 AS b, 10 % 3 * 2 AS c, 10 % (3 * 2) AS d, -2 * -3 AS e, - (2 * 3) AS f
-- @@
SELECT - - - 1 AS a, -(-(1)) AS b, + - 1 AS c, - + 1 AS d, 1 - - - 1 AS e, 1 - (- 1) AS f
-- @@
SELECT n, (n IS NULL) = false AS a, n = 1 IS TRUE AS b, NOT n = 1 IS FALSE AS c FROM num WHERE n BETWEEN 0 AND 2
-- @@
SELECT n, n BETWEEN 0 AND 2 AND odd AS a, n NOT BETWEEN 1 AND 3 AND n > 0 AS b, n BETWEEN 1 AND 4 IS TRUE AS c FROM num
-- @@
SELECT n, 1 NOT IN (2) = true AS a, NOT n IN (1, 2) AS b, n IN (1) IS TRUE AS c, (n IN (1, 3)) = (n > 2) AS d FROM num WHERE n < 5
-- @@
SELECT 'a' NOT LIKE 'b' ESCAPE '!' IS TRUE AS a, ('a' LIKE 'a') = ('b' LIKE 'b') AS b, 'abc' LIKE 'a' || '%' AS c
-- @@
SELECT 'b' COLLATE "C" < 'a' AS a, 'b' COLLATE "C"::text AS b, ('b'::text COLLATE "C") || 'c' AS c, lang COLLATE "POSIX" AS d FROM note WHERE note_id = 1
-- @@
SELECT TIMESTAMP '2024-01-01 12:00' AT TIME ZONE 'UTC' - INTERVAL '1 hour' AS a,
       (TIMESTAMPTZ '2024-01-01 00:00+00' + INTERVAL '1 hour') AT TIME ZONE 'UTC' AS b,
       TIMESTAMPTZ '2024-01-01 00:00+00' AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Kolkata' AT TIME ZONE 'UTC' AS c
-- @@
SELECT skills ->> 'sql' || '!' AS a, (skills || '{"x": 1}') -> 'x' AS b, skills -> 'langs' ->> 0 IS NULL AS c, skills #>> '{langs,0}' = 'en' AS d
FROM employee WHERE emp_id IN (1, 6, 16)
-- @@
SELECT EXISTS (SELECT 1 FROM num WHERE n > 100) = false AS a, NOT EXISTS (SELECT 1) OR true AS b, (SELECT max(n) FROM num)::text || '!' AS c
-- @@
SELECT first_name FROM employee WHERE first_name NOT LIKE ALL (ARRAY['A%', 'E%', 'M%']) AND last_name ILIKE ANY (ARRAY['%O%', '%ü%'])
-- @@
SELECT n FROM num WHERE n IN (VALUES (1), (3)) OR n BETWEEN (SELECT 10) AND (SELECT 11)
-- @@
SELECT emp_id FROM employee WHERE (dept_id, active) = ANY (SELECT dept_id, true FROM project WHERE budget > 100000)
-- @@
SELECT ROW(1, NULL) IS NULL AS a, ROW(NULL, NULL) IS NULL AS b, (1, 2) IS NOT NULL AS c, ROW(99, 'cat', 4)::animal AS d, (ROW(99, 'cat', 4)::animal).name AS e
-- @@
SELECT id, "interval", "time", "position", "char", "value", "year", "filter", "over", "left", "array", "similar", "collate" FROM kw_cols
-- @@
SELECT interval, time, position, char, value, year, filter, over, k.left, k.array, k.similar, k.collate FROM kw_cols AS k
-- @@
SELECT k.interval + 1 AS a, k."left" * 2 AS b, "array" AS c, upper(k.char) AS d, k.time || 'x' AS e FROM kw_cols k WHERE k.year > 2000 OR k.over = 0
-- @@
SELECT count(*) FILTER (WHERE "filter" = 1) AS "filter", max("over") AS over, min(position) AS position FROM kw_cols
-- @@
SELECT "Id", "State", "Watts", l."Room" FROM "Extra Schema"."Lamp" AS l WHERE "State" <> 'Off'::"Status"
-- @@
SELECT "State"::text, "State" = 'Dimmed Light' AS dim, 'On'::"Status" < 'Off' AS ordering, "Double"("Id") AS twice FROM "Extra Schema"."Lamp"
-- @@
SELECT * FROM "Extra Schema"."Lamps In"('Hall') AS x ORDER BY "Id"
-- @@
SELECT l.* FROM "Extra Schema"."Lamp" l JOIN LATERAL "Extra Schema"."Lamps In"(l."Room") AS m ON m."Id" <> l."Id"
-- @@
SELECT public.employee.* FROM public.employee WHERE public.employee.emp_id = 2
-- @@
SELECT 1 AS ÜNÏ, 2 AS a$b, 3 AS _x, 4 AS "ÜNÏ", 5 AS Ünï_2
-- @@
SELECT 1 AS abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij,
       2 AS éééééééééééééééééééééééééééééééééééééééééééé
-- @@
SELECT emp_id AS "Emp Id", first_name AS FirstName, last_name AS "LastName" FROM employee WHERE emp_id = 1
-- @@
SELECT first_name FROM employee ORDER BY first_name USING ~<~ LIMIT 3
-- @@
SELECT 1 INTERSECT SELECT 1 UNION SELECT 2 INTERSECT SELECT 3
-- @@
(SELECT 1 AS x) UNION ALL (SELECT 2) ORDER BY 1 DESC LIMIT 1
-- @@
(WITH a AS (SELECT 1 AS v) SELECT v FROM a) UNION (SELECT 2)
-- @@
SELECT 1 UNION ALL (SELECT 2 UNION SELECT 2) EXCEPT ALL (SELECT 1 INTERSECT ALL SELECT 1)
-- @@
WITH employee AS (SELECT 1 AS emp_id) SELECT * FROM employee
-- @@
SELECT count(*) FROM ((employee e JOIN department d USING (dept_id)))
-- @@
SELECT dept_id FROM employee JOIN department USING (dept_id) JOIN project USING (dept_id) WHERE project.name > 'K'
-- @@
SELECT e.emp_id, v.doubled FROM employee e, LATERAL (VALUES (e.emp_id * 2), (e.emp_id * 3)) AS v(doubled) WHERE e.emp_id < 3
-- @@
SELECT * FROM pg_catalog.generate_series(1, 2) AS g, public.emp_projects(13) AS p
-- @@
SELECT dept_id, active, count(*) FROM employee GROUP BY (dept_id, active)
-- @@
SELECT dept_id, count(*) FROM employee GROUP BY ((dept_id))
-- @@
SELECT emp_id, sum(emp_id) OVER (ORDER BY emp_id ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) AS ahead,
       sum(emp_id) OVER (ORDER BY emp_id ROWS (1 + 1) PRECEDING) AS behind
FROM employee
-- @@
SELECT trim('xxhixx', 'x') AS a, substring('PostgreSQL' FOR 3 FROM 2) AS b, overlay('abcdef' PLACING 'XY' FROM 2 FOR 0) AS c, trim(LEADING 'a' FROM 'aab') AS d
-- @@
SELECT localtime(2) IS NOT NULL AS a, current_time(1) IS NOT NULL AS b, localtimestamp(3) <= localtimestamp(3) + interval '1 s' AS c, CAST(NULL AS int) IS NULL AS d
-- @@
SELECT 1.5::decimal(3) AS a, 'ab'::nchar(3) AS b, '1.234567 second'::interval(2) AS c, '12:34:56.789'::time(1) AS d,
       '2024-01-01 10:00:00.55'::timestamp(0) without time zone AS e, '12:00+01'::time(2) with time zone AS f
-- @@
SELECT 'x' AS "?column?", 1 + 1, 'y'::text, CAST('z' AS varchar), 2::int, ARRAY[1], ROW(1, 2), CASE WHEN true THEN 1 END, coalesce(1), EXISTS (SELECT 1)
-- @@
SELECT a.x, b.x FROM (SELECT 1 AS x) a, LATERAL (SELECT a.x + 1 AS x) b, LATERAL (SELECT b.x + 1) c(y) WHERE c.y = 3
-- @@
SELECT "Weird Table"."select" FROM "Weird Table" WHERE "Weird Table"."from" > 15 ORDER BY "Weird Table"."select" DESC
-- @@
SELECT (SELECT string_agg(x::text, ',' ORDER BY x DESC) FROM unnest(ARRAY[3, 1, 2]) AS x) AS s, (ARRAY(SELECT generate_series(1, 3)))[2:] AS tail
