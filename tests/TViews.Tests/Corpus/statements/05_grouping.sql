SELECT dept_id, count(*), sum(salary), avg(salary), min(hired), max(last_name)
FROM employee
GROUP BY dept_id
-- @@
SELECT dept_id, active, count(*) AS n FROM employee GROUP BY dept_id, active HAVING count(*) > 1
-- @@
SELECT dept_id FROM employee GROUP BY 1 HAVING sum(salary) > 200000
-- @@
SELECT active, count(*) FROM employee GROUP BY active HAVING bool_and(salary > 0)
-- @@
SELECT count(*) FROM employee HAVING count(*) > 5
-- @@
SELECT 1 AS one HAVING 1 = 1
-- @@
SELECT extract(year FROM hired) AS y, count(*) FROM employee GROUP BY extract(year FROM hired) HAVING count(*) >= 1
-- @@
SELECT dept_id, active, count(*) FROM employee GROUP BY ROLLUP (dept_id, active)
-- @@
SELECT dept_id, active, count(*), GROUPING(dept_id, active) AS g FROM employee GROUP BY CUBE (dept_id, active)
-- @@
SELECT dept_id, active, feeling, count(*)
FROM employee
GROUP BY GROUPING SETS ((dept_id, active), (feeling), ())
-- @@
SELECT dept_id, rating, sum(salary)
FROM employee
GROUP BY dept_id, ROLLUP (rating)
-- @@
SELECT dept_id, active, rating, count(*)
FROM employee
GROUP BY GROUPING SETS (dept_id, ROLLUP (active, rating))
-- @@
SELECT dept_id, active, count(*)
FROM employee
GROUP BY DISTINCT ROLLUP (dept_id, active), ROLLUP (dept_id)
-- @@
SELECT dept_id, active, count(*)
FROM employee
GROUP BY ALL ROLLUP (dept_id, active), ROLLUP (dept_id)
-- @@
SELECT a, b, count(*) FROM (VALUES (1, 'x'), (1, 'y'), (2, 'x')) v(a, b) GROUP BY CUBE ((a, b))
-- @@
SELECT a, count(*) FROM (VALUES (1), (1), (2)) v(a) GROUP BY GROUPING SETS (a, (), ())
-- @@
SELECT count(*) FROM employee GROUP BY ()
-- @@
SELECT dept_id,
       count(*) FILTER (WHERE active) AS active_n,
       count(*) FILTER (WHERE NOT active) AS inactive_n,
       sum(salary) FILTER (WHERE rating >= 4) AS top_pay
FROM employee
GROUP BY dept_id
-- @@
SELECT string_agg(first_name, ', ' ORDER BY first_name) FROM employee
-- @@
SELECT dept_id, string_agg(DISTINCT role, '/' ORDER BY role) AS roles
FROM employee JOIN assignment USING (emp_id)
GROUP BY dept_id
-- @@
SELECT array_agg(emp_id ORDER BY salary DESC, emp_id) AS by_pay FROM employee
-- @@
SELECT array_agg(DISTINCT dept_id) FILTER (WHERE dept_id IS NOT NULL) AS depts FROM employee
-- @@
SELECT dept_id, jsonb_agg(jsonb_build_object('id', emp_id, 'name', first_name) ORDER BY emp_id) AS people
FROM employee
GROUP BY dept_id
-- @@
SELECT jsonb_object_agg(key, value) FROM corpus_extra.setting
-- @@
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY salary) AS median,
       percentile_disc(0.25) WITHIN GROUP (ORDER BY salary) AS q1,
       percentile_cont(ARRAY[0.1, 0.9]) WITHIN GROUP (ORDER BY salary DESC) AS deciles
FROM employee
-- @@
SELECT mode() WITHIN GROUP (ORDER BY role) AS common_role FROM assignment
-- @@
SELECT dept_id, mode() WITHIN GROUP (ORDER BY rating) FILTER (WHERE rating IS NOT NULL) AS r
FROM employee GROUP BY dept_id
-- @@
SELECT rank(100000) WITHIN GROUP (ORDER BY salary DESC), dense_rank(5) WITHIN GROUP (ORDER BY rating) FROM employee
-- @@
SELECT bool_or(active), bool_and(active), every(salary > 1000), count(DISTINCT (dept_id, active)) FROM employee
-- @@
SELECT sum(hours), avg(hours)::numeric(10,3), stddev_samp(hours)::numeric(10,3), variance(hours)::numeric(12,3) FROM assignment
-- @@
SELECT sum(reading), avg(reading), min(reading), max(reading), count(reading) FROM measurement
-- @@
SELECT station, sum(reading) FILTER (WHERE ok), count(*) FILTER (WHERE ok IS NULL) FROM measurement GROUP BY station
-- @@
SELECT p.name, count(a.emp_id) AS members, coalesce(sum(a.hours), 0) AS hours
FROM project p LEFT JOIN assignment a ON a.proj_id = p.proj_id
GROUP BY p.proj_id
HAVING count(a.emp_id) <> 1
-- @@
SELECT e.dept_id, d.name, max(e.salary) - min(e.salary) AS spread
FROM employee e JOIN department d ON d.dept_id = e.dept_id
GROUP BY e.dept_id, d.name
-- @@
SELECT count(*) AS n, count(1), count(NULL::int), count(ALL bonus), count(DISTINCT bonus) FROM employee
-- @@
SELECT (SELECT count(*) FROM employee e2 WHERE e2.dept_id = e.dept_id) AS sub, count(*)
FROM employee e GROUP BY e.dept_id
-- @@
SELECT xmlagg_free_dummy.a FROM (SELECT sum(n) AS a FROM num) xmlagg_free_dummy
