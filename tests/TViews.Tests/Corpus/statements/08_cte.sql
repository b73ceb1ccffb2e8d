WITH big AS (SELECT * FROM department WHERE budget > 100000)
SELECT name FROM big
-- @@
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a)
SELECT a.x, b.y FROM a, b
-- @@
WITH counts (dept, n) AS (SELECT dept_id, count(*) FROM employee GROUP BY dept_id)
SELECT d.name, c.n FROM department d JOIN counts c ON c.dept = d.dept_id
-- @@
WITH RECURSIVE tree AS (
    SELECT dept_id, name, parent_id, 0 AS depth, ARRAY[dept_id] AS path
    FROM department
    WHERE parent_id IS NULL
  UNION ALL
    SELECT d.dept_id, d.name, d.parent_id, t.depth + 1, t.path || d.dept_id
    FROM department d
    JOIN tree t ON d.parent_id = t.dept_id
)
SELECT * FROM tree
-- @@
WITH RECURSIVE chain(emp_id, manager_id, lvl) AS (
    SELECT emp_id, manager_id, 1 FROM employee WHERE emp_id = 14
    UNION
    SELECT e.emp_id, e.manager_id, c.lvl + 1 FROM employee e, chain c WHERE e.emp_id = c.manager_id
)
SELECT emp_id, lvl FROM chain
-- @@
WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 10)
SELECT sum(n) FROM t
-- @@
WITH RECURSIVE fib(a, b, i) AS (
    SELECT 0::numeric, 1::numeric, 1
    UNION ALL
    SELECT b, a + b, i + 1 FROM fib WHERE i < 30
)
SELECT i, a FROM fib
-- @@
WITH RECURSIVE sub AS (
    SELECT dept_id FROM department WHERE dept_id = 2
    UNION ALL
    SELECT d.dept_id FROM department d JOIN sub s ON d.parent_id = s.dept_id
)
SELECT e.first_name FROM employee e WHERE e.dept_id IN (SELECT dept_id FROM sub)
-- @@
WITH m AS MATERIALIZED (SELECT emp_id, salary FROM employee)
SELECT count(*) FROM m WHERE salary > 100000
-- @@
WITH m AS NOT MATERIALIZED (SELECT emp_id, salary FROM employee)
SELECT emp_id FROM m WHERE salary < 80000
-- @@
WITH x AS (SELECT 1 AS v), y AS MATERIALIZED (SELECT v * 2 AS w FROM x), z AS NOT MATERIALIZED (SELECT w + 1 AS u FROM y)
SELECT * FROM x, y, z
-- @@
WITH outer_cte AS (
    WITH inner_cte AS (SELECT n FROM num WHERE n > 0)
    SELECT n * 10 AS n10 FROM inner_cte
)
SELECT * FROM outer_cte WHERE n10 < 60
-- @@
SELECT * FROM (WITH w AS (SELECT 'inside' AS where_am_i) SELECT where_am_i FROM w) s
-- @@
SELECT (WITH c AS (SELECT max(salary) AS m FROM employee) SELECT m FROM c) AS top_salary
-- @@
WITH "Quoted CTE" AS (SELECT 1 AS "Value") SELECT "Value" FROM "Quoted CTE"
-- @@
WITH v(a, b) AS (VALUES (1, 'x'), (2, 'y'))
SELECT b FROM v WHERE a = 2
-- @@
WITH RECURSIVE emp_tree AS (
    SELECT emp_id, first_name::text AS path FROM employee WHERE manager_id IS NULL
    UNION ALL
    SELECT e.emp_id, t.path || ' > ' || e.first_name FROM employee e JOIN emp_tree t ON e.manager_id = t.emp_id
)
SELECT path FROM emp_tree
-- @@
WITH a AS (SELECT n FROM num WHERE n < 0)
SELECT n FROM a UNION ALL SELECT n FROM a WHERE n = -1
