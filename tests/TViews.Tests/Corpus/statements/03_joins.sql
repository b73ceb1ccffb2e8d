SELECT e.first_name, d.name
FROM employee e JOIN department d ON d.dept_id = e.dept_id
-- @@
SELECT e.first_name, d.name
FROM employee e INNER JOIN department d ON e.dept_id = d.dept_id AND d.budget > 100000
-- @@
SELECT e.first_name, d.name
FROM employee e LEFT JOIN department d ON d.dept_id = e.dept_id
-- @@
SELECT e.first_name, d.name
FROM employee e LEFT OUTER JOIN department d ON d.dept_id = e.dept_id
WHERE d.dept_id IS NULL
-- @@
SELECT e.first_name, d.name
FROM employee e RIGHT JOIN department d ON d.dept_id = e.dept_id
-- @@
SELECT e.first_name, d.name
FROM employee e RIGHT OUTER JOIN department d ON d.dept_id = e.dept_id
WHERE e.emp_id IS NULL
-- @@
SELECT e.first_name, d.name
FROM employee e FULL JOIN department d ON d.dept_id = e.dept_id
-- @@
SELECT coalesce(e.first_name, '-') AS who, coalesce(d.name, '-') AS dept
FROM employee e FULL OUTER JOIN department d ON d.dept_id = e.dept_id AND e.active
-- @@
SELECT a.n, b.n FROM num a CROSS JOIN num b WHERE a.n BETWEEN 1 AND 3 AND b.n BETWEEN 1 AND 2
-- @@
SELECT a.n, b.word FROM num a, (VALUES ('x'), ('y')) AS b(word) WHERE a.n < -3
-- @@
SELECT * FROM employee NATURAL JOIN department
-- @@
SELECT dept_id, first_name, name FROM employee NATURAL LEFT JOIN department
-- @@
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) l(k, v) NATURAL FULL JOIN (VALUES (2, 'b'), (3, 'c')) r(k, v)
-- @@
SELECT dept_id, e.first_name, d.name
FROM employee e JOIN department d USING (dept_id)
-- @@
SELECT emp_id, proj_id, a.role, p.name
FROM assignment a JOIN project p USING (proj_id) JOIN employee e USING (emp_id)
WHERE e.active
-- @@
SELECT k, l.v AS lv, r.v AS rv
FROM (VALUES (1, 'a'), (2, 'b')) l(k, v) FULL JOIN (VALUES (2, 'B'), (3, 'C')) r(k, v) USING (k)
-- @@
SELECT e.first_name, p.name
FROM (employee e JOIN assignment a ON a.emp_id = e.emp_id)
JOIN project p ON p.proj_id = a.proj_id
-- @@
SELECT e.first_name, p.name
FROM employee e
JOIN (assignment a JOIN project p ON p.proj_id = a.proj_id) ON a.emp_id = e.emp_id
WHERE p.budget > 100000
-- @@
SELECT ea.emp_id, ea.first_name, ea.proj_id
FROM (employee JOIN assignment USING (emp_id)) AS ea
WHERE ea.role = 'lead'
-- @@
SELECT x.a, x.b FROM ((SELECT 1 AS a) s CROSS JOIN (SELECT 2 AS b) t) AS x
-- @@
SELECT d.name, e.first_name, p.name AS project
FROM department d
LEFT JOIN employee e ON e.dept_id = d.dept_id
LEFT JOIN assignment a ON a.emp_id = e.emp_id AND a.role = 'lead'
LEFT JOIN project p ON p.proj_id = a.proj_id
-- @@
SELECT m.first_name AS manager, r.first_name AS report
FROM employee m JOIN employee r ON r.manager_id = m.emp_id
-- @@
SELECT a.name, b.name
FROM department a JOIN department b ON a.parent_id = b.dept_id
RIGHT JOIN department c ON c.dept_id = b.parent_id
-- @@
SELECT d.name, count(e.emp_id) AS n
FROM department d LEFT JOIN employee e ON e.dept_id = d.dept_id
GROUP BY d.name
-- @@
SELECT n1.n, n2.n FROM num n1 JOIN num n2 ON n1.n = -n2.n AND n1.n > 0
-- @@
SELECT n1.n, n2.n FROM num n1 LEFT JOIN num n2 ON n2.n = n1.n * 2 WHERE n1.n BETWEEN 4 AND 9
-- @@
SELECT a.x, b.y FROM generate_series(1, 3) a(x) JOIN generate_series(2, 4) b(y) ON a.x < b.y
-- @@
SELECT e.emp_id, d.dept_id FROM employee e JOIN department d ON TRUE WHERE e.emp_id = d.dept_id
-- @@
SELECT t1.k FROM (VALUES (1), (NULL)) t1(k) JOIN (VALUES (1), (NULL)) t2(k) ON t1.k IS NOT DISTINCT FROM t2.k
