SELECT x.a, x.b FROM department AS x(a, b) WHERE x.a < 5
-- @@
SELECT d.dept, d.title FROM department d (dept, title)
-- @@
SELECT name, legs FROM animal
-- @@
SELECT name, legs FROM ONLY animal
-- @@
SELECT name FROM ONLY (animal) WHERE legs > 0
-- @@
SELECT name, legs FROM animal * WHERE legs = 4
-- @@
SELECT a.name, d.good_boy FROM ONLY public.animal a FULL JOIN dog d ON d.legs = a.legs
-- @@
SELECT sub.dept_id, sub.headcount
FROM (SELECT dept_id, count(*) AS headcount FROM employee GROUP BY dept_id) AS sub
WHERE sub.headcount > 1
-- @@
SELECT s.x, s.y FROM (SELECT emp_id, salary FROM employee) s (x, y) WHERE s.x <= 3
-- @@
SELECT * FROM (SELECT 1 AS a) AS one, (SELECT 2 AS b) AS two
-- @@
SELECT * FROM (SELECT n FROM num WHERE n > 10) t
-- @@
SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, NULL)) AS v(num, word)
-- @@
SELECT v.column1, v.column2 FROM (VALUES (1.5, true), (-2, false)) v
-- @@
VALUES (1, 'a'), (2, 'b'), (3, 'c')
-- @@
VALUES (1 + 1, upper('x'), ARRAY[1, 2]), (2 * 3, 'y', NULL)
-- @@
SELECT g FROM generate_series(1, 5) g
-- @@
SELECT g.x FROM generate_series(1, 3) AS g(x)
-- @@
SELECT * FROM generate_series(DATE '2024-01-01', DATE '2024-01-05', INTERVAL '1 day') AS d(day)
-- @@
SELECT t.v, t.i FROM unnest(ARRAY['a', 'b', 'c']) WITH ORDINALITY AS t(v, i)
-- @@
SELECT * FROM generate_series(10, 30, 10) WITH ORDINALITY
-- @@
SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY['x', 'y'])) AS r(n, s)
-- @@
SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(5, 7)) WITH ORDINALITY AS r(a, b, ord)
-- @@
SELECT * FROM ROWS FROM (pairs(3) AS (n integer, sq integer), generate_series(1, 4)) AS r
-- @@
SELECT * FROM pairs(4) AS p(n integer, sq integer) WHERE p.sq > 3
-- @@
SELECT * FROM unnest(ARRAY[1, 2, 3], ARRAY['one', 'two']) AS u(num, word)
-- @@
SELECT * FROM json_to_record('{"a": 1, "b": "x", "c": [1, 2]}') AS r(a integer, b text, c jsonb)
-- @@
SELECT * FROM jsonb_to_recordset('[{"id": 1, "tag": "a"}, {"id": 2}]'::jsonb) AS x(id int, tag text)
-- @@
SELECT * FROM jsonb_each_text('{"k1": "v1", "k2": "v2"}') AS kv
-- @@
SELECT e.first_name, p.proj_name, p.hours
FROM employee e, LATERAL emp_projects(e.emp_id) p
-- @@
SELECT e.first_name, p.proj_name
FROM employee e, emp_projects(e.emp_id) AS p
WHERE p.hours > 100
-- @@
SELECT d.name, top.first_name, top.salary
FROM department d
CROSS JOIN LATERAL (
    SELECT e.first_name, e.salary
    FROM employee e
    WHERE e.dept_id = d.dept_id
    ORDER BY e.salary DESC, e.emp_id
    LIMIT 2
) AS top
-- @@
SELECT d.name, x.cnt
FROM department d
LEFT JOIN LATERAL (SELECT count(*) AS cnt FROM employee e WHERE e.dept_id = d.dept_id) x ON true
-- @@
SELECT d.name, l.first_name
FROM department d
LEFT JOIN LATERAL (SELECT e.first_name FROM employee e WHERE e.dept_id = d.dept_id AND e.rating = 5) AS l ON l.first_name <> 'Ada'
-- @@
SELECT e.emp_id, t.tag, t.ord
FROM employee e, LATERAL unnest(e.tags) WITH ORDINALITY AS t(tag, ord)
WHERE e.emp_id < 10
-- @@
SELECT e.emp_id, s.key, s.value
FROM employee e CROSS JOIN LATERAL jsonb_each(e.skills) AS s
WHERE jsonb_typeof(s.value) = 'number'
-- @@
SELECT * FROM emp_projects(4)
-- @@
SELECT proj_name FROM emp_projects(p_emp => 13)
-- @@
SELECT upper FROM upper('abc')
-- @@
SELECT c FROM current_date c WHERE c IS NOT NULL AND c > DATE '2000-01-01'
-- @@
SELECT * FROM active_employee WHERE dept_id = 4
-- @@
SELECT setting.* FROM corpus_extra.setting, LATERAL (SELECT 1) AS z(one)
