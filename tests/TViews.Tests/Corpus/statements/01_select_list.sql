SELECT 1
-- @@
SELECT 1;
-- @@
select 1 as one, 'two' as two, 3.0 three, null as nothing, true
-- @@
SELECT emp_id, first_name AS "First Name", last_name surname, salary AS "salary (€)"
FROM employee
-- @@
SELECT * FROM department
-- @@
SELECT d.*, e.emp_id
FROM department d, employee e
WHERE e.dept_id = d.dept_id
-- @@
SELECT e.*, d.name AS dept_name
FROM employee AS e
LEFT JOIN department AS d ON d.dept_id = e.dept_id
-- @@
SELECT *, emp_id * 2 AS twice, * FROM num AS emp_id_source(emp_id)
-- @@
SELECT 1 AS select, 2 AS from, 3 AS where, 4 AS order, 5 AS group, 6 AS limit, 7 AS union, 8 AS with, 9 AS year
-- @@
SELECT 1 value, 2 name, 3 type, 4 text, 5 data, 6 key, 7 position, 8 end, 9 true, 10 select, 11 cross, 12 left
-- @@
SELECT n AS "Mixed Case", n AS "with space", n AS "quote""inside", n AS x
FROM num WHERE n = 1
-- @@
SELECT n "Mixed Case", n "with space", n "quote""inside" FROM num WHERE n BETWEEN 1 AND 3
-- @@
SELECT FROM employee WHERE emp_id < 4
-- @@
SELECT DISTINCT dept_id FROM employee
-- @@
SELECT DISTINCT ON (dept_id) dept_id, emp_id, salary
FROM employee
ORDER BY dept_id, salary DESC, emp_id
-- @@
SELECT ALL dept_id FROM employee
-- @@
SELECT DISTINCT ON (e.dept_id, e.active) e.dept_id, e.active, e.first_name
FROM employee e
ORDER BY e.dept_id NULLS FIRST, e.active, e.first_name DESC
-- @@
SELECT DISTINCT role, (hours > 100) AS big FROM assignment
-- @@
SELECT employee.emp_id, public.employee.last_name, "employee"."first_name"
FROM public.employee
-- @@
SELECT "Weird Table"."select", "Mixed Case", "quo""te", "from", "user", "Ünï" FROM "Weird Table"
-- @@
SELECT w.* FROM "Weird Table" AS w WHERE w."from" IS NOT NULL
-- @@
SELECT key, value FROM corpus_extra.setting
-- @@
SELECT s.key || '=' || s.value AS pair FROM corpus_extra.setting s
-- @@
SELECT emp_id, (SELECT name FROM department d WHERE d.dept_id = e.dept_id) AS dept FROM employee e
-- @@
SELECT 'a' AS x, 'a' AS x
-- @@
SELECT count(*) FROM employee
-- @@
SELECT count(*) AS total, count(email) AS with_email, count(DISTINCT dept_id) AS depts FROM employee
-- @@
SELECT e FROM employee e WHERE e.emp_id = 1
-- @@
SELECT e.address, (e.address).city, (e.address).* FROM employee e WHERE e.emp_id IN (1, 7, 17)
-- @@
SELECT d.* AS ignored_alias, d.name AS n FROM department d WHERE d.dept_id < 3
