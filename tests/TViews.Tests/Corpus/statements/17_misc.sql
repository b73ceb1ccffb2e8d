SELECT 1 OPERATOR(pg_catalog.+) 2 AS a, 3 OPERATOR(+) 4 AS b, OPERATOR(pg_catalog.-) 5 AS c
-- @@
SELECT * FROM (TABLE department) t WHERE t.parent_id = 1
-- @@
TABLE corpus_extra.setting
-- @@
SELECT d.name, e.first_name, a.role
FROM department d, employee e JOIN assignment a ON a.emp_id = e.emp_id
WHERE e.dept_id = d.dept_id AND a.role = 'lead'
-- @@
SELECT '{1,2}'::int ARRAY AS a, CAST('{3}' AS integer ARRAY[5]) AS b, '{x}'::text[3] AS c
-- @@
SELECT 1.5::dec(5,2) AS a, 'abc'::national character varying(2) AS b, 'x'::character(3) AS c, 'y'::char AS d, 2.5::float(53) AS e,
       B'101'::bit varying(5) AS f, '2024-01-01 10:00:00.12345+00'::timestamp(3) with time zone AT TIME ZONE 'UTC' AS g,
       '1 day 02:03:04.5678'::interval day to second(2) AS h, '3 years'::interval year AS i, 'z'::"char" AS j
-- @@
SELECT emp_id FROM employee WHERE NOT emp_id IN (SELECT emp_id FROM assignment) AND NOT emp_id = 17
-- @@
SELECT first_name FROM employee WHERE first_name ILIKE 'z%' ESCAPE '\' OR last_name NOT ILIKE '%!_%' ESCAPE '!'
-- @@
SELECT emp_id, sum(salary) OVER (w), count(*) OVER w FROM employee WINDOW w AS (PARTITION BY dept_id)
-- @@
VALUES (3, 'c'), (1, 'a'), (2, 'b') ORDER BY 1 LIMIT 2
-- @@
WITH a AS (SELECT 1 AS x) VALUES (2), (3)
-- @@
SELECT "lower"('ABC') AS a, pg_catalog.upper('def') AS b, "pg_catalog"."length"('ghi') AS c
-- @@
SELECT (SELECT 1) IS NULL AS a, (SELECT NULL::int) IS NULL AS b, EXISTS (SELECT) AS c
-- @@
SELECT emp_id, CASE WHEN bonus IS NULL THEN NULL ELSE bonus / salary END::numeric(6,4) AS ratio FROM employee
-- @@
SELECT ARRAY[1, 2] = ARRAY[1, 2] AS a, ARRAY[[1]] <> ARRAY[[2]] AS b, ARRAY['a'] < ARRAY['b'] AS c, (1, 'a') < (1, 'b') AS d
-- @@
SELECT x.* FROM (SELECT 1 AS a, 2 AS b) x, LATERAL ROWS FROM (generate_series(x.a, x.b)) AS g
-- @@
SELECT n FROM num WHERE n IN (1) OR n IN (((2))) OR (n) IN (3, (4))
-- @@
SELECT DISTINCT ON (dept_id) dept_id, first_name FROM employee WHERE dept_id IS NOT NULL ORDER BY dept_id, emp_id DESC
-- @@
SELECT sum(n) FILTER (WHERE odd) OVER (), n FROM num WHERE n > 10
-- @@
SELECT a.emp_id, b.emp_id
FROM employee a
JOIN employee b ON a.manager_id = b.emp_id AND b.manager_id IS NULL
-- @@
SELECT first_name || ' ' || last_name AS full_name, length(first_name || last_name) AS len FROM employee WHERE last_name ~ '^[A-H]'
-- @@
SELECT count(*) FROM generate_series(1, 100) AS g WHERE g % 7 = 0 OR g % 11 = 0
-- @@
SELECT 1 AS x
WHERE 1 = 1
GROUP BY 1
HAVING true
ORDER BY 1
LIMIT 1
OFFSET 0
-- @@
SELECT t1.n AS a, t2.n AS b, t3.n AS c
FROM num t1
JOIN num t2 ON t2.n = t1.n + 1
JOIN num t3 ON t3.n = t2.n + 1
WHERE t1.n IN (1, 5)
-- @@
SELECT emp_id FROM employee WHERE emp_id < 3 FOR UPDATE
-- @@
SELECT e.emp_id FROM employee e JOIN department d USING (dept_id) WHERE e.emp_id = 4 FOR NO KEY UPDATE OF e SKIP LOCKED
-- @@
SELECT emp_id FROM employee WHERE emp_id = 5 FOR SHARE NOWAIT
-- @@
SELECT d.name FROM department d WHERE d.dept_id = 2 FOR KEY SHARE OF d FOR UPDATE OF d
