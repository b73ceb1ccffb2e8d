SELECT emp_id, (SELECT max(salary) FROM employee) - salary AS gap FROM employee
-- @@
SELECT e.emp_id, (SELECT count(*) FROM assignment a WHERE a.emp_id = e.emp_id) AS projects FROM employee e
-- @@
SELECT d.name FROM department d WHERE EXISTS (SELECT 1 FROM employee e WHERE e.dept_id = d.dept_id AND e.rating = 5)
-- @@
SELECT d.name FROM department d WHERE NOT EXISTS (SELECT FROM employee e WHERE e.dept_id = d.dept_id)
-- @@
SELECT p.name FROM project p WHERE EXISTS (SELECT 1 FROM assignment a WHERE a.proj_id = p.proj_id HAVING count(*) >= 3)
-- @@
SELECT e.first_name FROM employee e
WHERE e.salary > (SELECT avg(e2.salary) FROM employee e2 WHERE e2.dept_id = e.dept_id)
-- @@
SELECT e.first_name FROM employee e
WHERE e.salary = (SELECT max(salary) FROM employee x WHERE x.dept_id = e.dept_id)
-- @@
SELECT (SELECT name FROM department WHERE dept_id = 2) AS eng, (SELECT count(*) FROM project WHERE ends IS NULL) AS open_projects
-- @@
SELECT emp_id FROM employee WHERE dept_id = (SELECT dept_id FROM department WHERE name = 'Backend')
-- @@
SELECT emp_id, EXISTS (SELECT 1 FROM employee r WHERE r.manager_id = e.emp_id) AS is_manager FROM employee e
-- @@
SELECT d.name, (SELECT e.first_name FROM employee e WHERE e.dept_id = d.dept_id ORDER BY e.hired, e.emp_id LIMIT 1) AS first_hire FROM department d
-- @@
SELECT (SELECT (SELECT (SELECT 42))) AS deep
-- @@
SELECT n FROM num WHERE n IN (SELECT n * 2 FROM num WHERE n IN (SELECT n + 1 FROM num WHERE n < 3))
-- @@
SELECT e.emp_id FROM employee e WHERE e.emp_id NOT IN (SELECT a.emp_id FROM assignment a) ORDER BY 1
-- @@
SELECT emp_id FROM employee WHERE (SELECT count(*) FROM assignment a WHERE a.emp_id = employee.emp_id) > 1
-- @@
SELECT d.dept_id, (SELECT sum(a.hours) FROM assignment a JOIN employee e ON e.emp_id = a.emp_id WHERE e.dept_id = d.dept_id) AS hours
FROM department d
-- @@
SELECT * FROM employee e WHERE EXISTS (SELECT 1 WHERE e.bonus IS NULL) AND e.active
-- @@
SELECT sum(x) FROM (SELECT (SELECT count(*) FROM num WHERE num.n < g.v) AS x FROM generate_series(1, 5) AS g(v)) s
-- @@
SELECT emp_id FROM employee WHERE salary > ANY (SELECT budget FROM department WHERE budget < 100000) AND salary < ALL (VALUES (130000), (140000))
-- @@
SELECT emp_id, ARRAY(SELECT p.name FROM assignment a JOIN project p USING (proj_id) WHERE a.emp_id = e.emp_id ORDER BY p.name) AS projects
FROM employee e
-- @@
SELECT d.name,
       (SELECT count(*) FROM employee e WHERE e.dept_id = d.dept_id) AS direct,
       (SELECT count(*) FROM employee e JOIN department c ON c.dept_id = e.dept_id WHERE c.parent_id = d.dept_id) AS in_children
FROM department d
-- @@
SELECT x FROM (SELECT (SELECT 1 UNION SELECT 1) AS x) s
-- @@
SELECT emp_id FROM employee WHERE (dept_id, salary) = (SELECT dept_id, max(salary) FROM employee WHERE dept_id = 4 GROUP BY dept_id)
-- @@
SELECT emp_id FROM employee e WHERE (SELECT e.rating) = 5
