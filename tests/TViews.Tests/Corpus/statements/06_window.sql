SELECT emp_id, dept_id, salary, row_number() OVER (PARTITION BY dept_id ORDER BY salary DESC, emp_id) AS rn
FROM employee
-- @@
SELECT emp_id, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w
FROM employee
WINDOW w AS (ORDER BY rating DESC NULLS LAST)
-- @@
SELECT emp_id, salary, sum(salary) OVER (ORDER BY emp_id) AS running FROM employee
-- @@
SELECT emp_id, sum(salary) OVER (ORDER BY emp_id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s3 FROM employee
-- @@
SELECT emp_id, sum(salary) OVER (ORDER BY emp_id ROWS UNBOUNDED PRECEDING) FROM employee
-- @@
SELECT emp_id, count(*) OVER (ORDER BY emp_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM employee
-- @@
SELECT emp_id, hired, count(*) OVER (ORDER BY hired RANGE BETWEEN INTERVAL '365 days' PRECEDING AND CURRENT ROW) AS last_year
FROM employee
-- @@
SELECT n, sum(n) OVER (ORDER BY n RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM num
-- @@
SELECT rating, emp_id, count(*) OVER (ORDER BY rating GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) AS c
FROM employee
-- @@
SELECT emp_id, sum(emp_id) OVER (ORDER BY emp_id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW) FROM employee
-- @@
SELECT rating, emp_id, count(*) OVER (ORDER BY rating RANGE UNBOUNDED PRECEDING EXCLUDE GROUP) FROM employee
-- @@
SELECT rating, emp_id, count(*) OVER (ORDER BY rating ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES) - count(*) OVER (ORDER BY rating GROUPS CURRENT ROW EXCLUDE NO OTHERS) FROM employee
-- @@
SELECT id, station, reading,
       lag(reading) OVER (PARTITION BY station ORDER BY taken_at) AS prev,
       lead(reading, 2, -1) OVER (PARTITION BY station ORDER BY taken_at) AS next2
FROM measurement
-- @@
SELECT id, first_value(id) OVER w, last_value(id) OVER w, nth_value(id, 2) OVER w
FROM measurement
WINDOW w AS (PARTITION BY station ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
-- @@
SELECT id, ntile(4) OVER (ORDER BY id), avg(reading) OVER (PARTITION BY station) FROM measurement
-- @@
SELECT emp_id, count(*) OVER () AS total, sum(salary) OVER (PARTITION BY dept_id) AS dept_total FROM employee
-- @@
SELECT emp_id, sum(salary) OVER w2 AS s
FROM employee
WINDOW w1 AS (PARTITION BY dept_id), w2 AS (w1 ORDER BY emp_id ROWS 1 PRECEDING)
-- @@
SELECT emp_id, rank() OVER (w ORDER BY salary DESC, emp_id)
FROM employee
WINDOW w AS (PARTITION BY active)
-- @@
SELECT emp_id, count(*) FILTER (WHERE active) OVER (PARTITION BY dept_id) FROM employee
-- @@
SELECT dept_id, sum(salary), rank() OVER (ORDER BY sum(salary) DESC, dept_id NULLS LAST) FROM employee GROUP BY dept_id
-- @@
SELECT * FROM (
    SELECT emp_id, dept_id, row_number() OVER (PARTITION BY dept_id ORDER BY hired, emp_id) AS rn
    FROM employee
) ranked
WHERE rn = 1
-- @@
SELECT emp_id, array_agg(emp_id) OVER (ORDER BY emp_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM employee
-- @@
SELECT emp_id, string_agg(first_name, ',') OVER (PARTITION BY dept_id ORDER BY emp_id) FROM employee
-- @@
SELECT id, reading, avg(reading) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) FROM measurement WHERE station = 'north'
-- @@
SELECT emp_id, salary - avg(salary) OVER (PARTITION BY dept_id) AS diff,
       100.0 * salary / sum(salary) OVER () AS pct
FROM employee
-- @@
SELECT emp_id, row_number() OVER (ORDER BY emp_id) % 3 = 0 AS every_third FROM employee
-- @@
SELECT taken_at, count(*) OVER (ORDER BY taken_at RANGE BETWEEN '6 hours'::interval PRECEDING AND '3 hours' FOLLOWING) FROM measurement
