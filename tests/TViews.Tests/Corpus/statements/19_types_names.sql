SELECT char(3) 'ab' AS a, varchar(2) 'abc' AS b, numeric(5,2) '1.234' AS c, bit(3) '101' AS d, double precision '1.5' AS e,
       decimal '1.5' AS f, boolean 'yes' AS g, real '1.25' AS h, character varying(4) 'abcdef' AS i, smallint '7' AS j
-- @@
SELECT INTERVAL(2) '1.23456 seconds' AS a, TIMESTAMP(2) '2024-01-01 10:00:00.123' AS b, TIME(0) WITH TIME ZONE '10:00:00.5+01' AS c,
       TIMESTAMP(0) WITH TIME ZONE '2024-01-01 10:00:00.7+00' AT TIME ZONE 'UTC' AS d, interval '1 2:03' day to minute AS e
-- @@
SELECT '1'::"int4" AS a, 'x'::"text" AS b, 'abc'::"varchar"(2) AS c, 'ok'::"public"."mood" AS d, '{1}'::"int4"[] AS e, 'On'::"Status" AS f
-- @@
SELECT e.emp_id FROM employee AS "select" JOIN employee AS e ON e.emp_id = "select".manager_id WHERE "select".emp_id = 14
-- @@
SELECT "order".n, "group".n FROM num "order", num AS "group" WHERE "order".n = "group".n + 1 AND "order".n < 0
-- @@
WITH "select" AS (SELECT 1 AS "from"), "User Data" (x) AS (SELECT 2) SELECT "from", x FROM "select", "User Data"
-- @@
SELECT emp_id, rank() OVER "order" AS r FROM employee WINDOW "order" AS (ORDER BY emp_id DESC)
-- @@
SELECT g."limit", g."offset" FROM generate_series(1, 3) WITH ORDINALITY AS g("limit", "offset")
-- @@
SELECT t."end" FROM (VALUES (1), (2)) AS t("end") WHERE t."end" > 1
-- @@
SELECT * FROM pairs(2) AS p("left" integer, "Right" integer)
-- @@
SELECT first_name COLLATE pg_catalog."C" AS a, first_name COLLATE "POSIX" AS b, first_name COLLATE pg_catalog."default" AS c FROM employee WHERE emp_id = 1
-- @@
SELECT dept_id AS d, count(*) FROM employee GROUP BY d ORDER BY d NULLS FIRST
-- @@
SELECT emp_id AS salary FROM employee ORDER BY salary LIMIT 3
-- @@
SELECT e.emp_id AS id, e.salary FROM employee e ORDER BY id DESC FETCH FIRST 2 ROWS ONLY
-- @@
SELECT make_interval(years => 1, months => 2, weeks => 3, days => 4, hours => 5, mins => 6, secs => 7.5) AS i
-- @@
SELECT jsonb_build_object(VARIADIC ARRAY['a', '1', 'b', '2']) AS o, json_build_array(VARIADIC ARRAY[1, 2]) AS a
-- @@
SELECT format('%1$s %2$s %1$s', 'a', 'b') AS f, format('%-5s|', 'x') AS g, format('%L', NULL) AS h
-- @@
SELECT date '2024-02-28' + integer '1' AS a, text 'x' || varchar 'y' AS b, bigint '9007199254740993' + 0 AS c, uuid 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS d
-- @@
SELECT CAST('{"a": [1, 2]}' AS json) -> 'a' AS a, CAST(ARRAY[1, 2] AS text[]) AS b, CAST(ROW(1, 'x', 'y') AS address_t) AS c, CAST('(a,b,c)' AS public.address_t) AS d
-- @@
SELECT (CAST(ROW('s', 'c', 'z') AS address_t)).city AS c, ((ROW('s', 'c', 'z')::address_t)).zip AS z, (NULL::address_t).street AS s
-- @@
SELECT ARRAY[ROW(1, 'a'), ROW(2, 'b')] AS recs, ARRAY[ARRAY[1.5, 2], ARRAY[3, 4.25]]::numeric(4,2)[] AS m, ARRAY[DATE '2024-01-01'] AS d
-- @@
SELECT array_agg(ROW(emp_id, first_name)::text ORDER BY emp_id) FILTER (WHERE emp_id < 4) AS r FROM employee
-- @@
SELECT t.* FROM (SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y') t(c, d) WHERE t.c IN (SELECT 2)
-- @@
SELECT x.k, x.v FROM corpus_extra.setting AS x(k, v) WHERE x.k NOT LIKE 'e%'
-- @@
SELECT * FROM (employee e LEFT JOIN department d ON d.dept_id = e.dept_id) AS ed WHERE ed.emp_id < 3
