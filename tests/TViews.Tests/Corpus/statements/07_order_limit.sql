SELECT emp_id, salary FROM employee ORDER BY salary DESC, emp_id LIMIT 5
-- @@
SELECT emp_id FROM employee ORDER BY emp_id LIMIT 5 OFFSET 3
-- @@
SELECT emp_id FROM employee ORDER BY emp_id OFFSET 15
-- @@
SELECT emp_id FROM employee ORDER BY emp_id OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY
-- @@
SELECT emp_id FROM employee ORDER BY emp_id FETCH NEXT 1 ROW ONLY
-- @@
SELECT emp_id FROM employee ORDER BY emp_id FETCH FIRST ROW ONLY
-- @@
SELECT emp_id, rating FROM employee ORDER BY rating DESC NULLS LAST FETCH FIRST 3 ROWS WITH TIES
-- @@
SELECT emp_id, salary FROM employee ORDER BY salary FETCH FIRST (1 + 1) ROWS WITH TIES
-- @@
SELECT emp_id FROM employee ORDER BY emp_id LIMIT ALL
-- @@
SELECT emp_id FROM employee ORDER BY emp_id LIMIT NULL OFFSET 18
-- @@
SELECT emp_id FROM employee ORDER BY emp_id LIMIT (SELECT count(*) FROM department) / 4
-- @@
SELECT emp_id FROM employee ORDER BY emp_id OFFSET 5 LIMIT 2
-- @@
SELECT rating, emp_id FROM employee ORDER BY rating ASC NULLS FIRST, emp_id DESC LIMIT 6
-- @@
SELECT rating, emp_id FROM employee ORDER BY rating DESC NULLS FIRST, emp_id ASC LIMIT 6
-- @@
SELECT rating, emp_id FROM employee ORDER BY rating NULLS LAST, 2 LIMIT 4
-- @@
SELECT emp_id, salary FROM employee ORDER BY salary USING >, emp_id USING < LIMIT 4
-- @@
SELECT emp_id, salary FROM employee ORDER BY salary USING < NULLS FIRST, emp_id LIMIT 3
-- @@
SELECT emp_id, salary AS pay FROM employee ORDER BY pay DESC, 1 LIMIT 2
-- @@
SELECT emp_id FROM employee ORDER BY salary * -1, emp_id LIMIT 2
-- @@
SELECT first_name FROM employee ORDER BY first_name COLLATE "C" DESC LIMIT 3
-- @@
SELECT first_name, last_name FROM employee ORDER BY length(last_name) DESC, last_name LIMIT 3
-- @@
SELECT emp_id FROM employee ORDER BY CASE WHEN dept_id IS NULL THEN 0 ELSE 1 END, emp_id DESC LIMIT 3
-- @@
SELECT dept_id, count(*) FROM employee GROUP BY dept_id ORDER BY count(*) DESC, dept_id NULLS FIRST LIMIT 3
-- @@
SELECT DISTINCT dept_id FROM employee ORDER BY dept_id DESC NULLS LAST LIMIT 4
-- @@
SELECT emp_id FROM employee e ORDER BY (SELECT count(*) FROM assignment a WHERE a.emp_id = e.emp_id) DESC, emp_id LIMIT 3
-- @@
SELECT n FROM num ORDER BY n LIMIT 3 OFFSET 0
-- @@
SELECT * FROM (SELECT n FROM num ORDER BY n DESC LIMIT 5) top5 ORDER BY n
-- @@
SELECT emp_id FROM employee ORDER BY emp_id FETCH FIRST 2 ROWS ONLY OFFSET 1 ROW
