SELECT emp_id FROM employee WHERE salary > 100000 AND active
-- @@
SELECT emp_id FROM employee WHERE salary >= 100000 OR bonus IS NULL
-- @@
SELECT emp_id FROM employee WHERE NOT active
-- @@
SELECT emp_id FROM employee WHERE NOT (active AND rating = 5) OR emp_id = 1
-- @@
SELECT emp_id FROM employee WHERE active AND (rating = 5 OR rating IS NULL) AND NOT dept_id = 4
-- @@
SELECT n, n = 3, n <> 3, n != 3, n < 3, n <= 3, n > 3, n >= 3 FROM num
-- @@
SELECT emp_id, bonus IS NULL, bonus IS NOT NULL, bonus ISNULL, bonus NOTNULL FROM employee
-- @@
SELECT n, odd IS TRUE, odd IS NOT TRUE, odd IS FALSE, odd IS NOT FALSE, (n > 100) IS UNKNOWN, (n > NULL) IS NOT UNKNOWN FROM num
-- @@
SELECT ok, ok IS TRUE AS t, ok IS NOT FALSE AS nf, ok IS UNKNOWN AS u FROM measurement
-- @@
SELECT emp_id FROM employee WHERE rating IS DISTINCT FROM 5
-- @@
SELECT emp_id FROM employee WHERE rating IS NOT DISTINCT FROM NULL
-- @@
SELECT a, b, a IS DISTINCT FROM b AS d, a IS NOT DISTINCT FROM b AS nd
FROM (VALUES (1, 1), (1, NULL), (NULL, NULL), (2, 3)) v(a, b)
-- @@
SELECT emp_id FROM employee WHERE dept_id IN (2, 4, 6)
-- @@
SELECT emp_id FROM employee WHERE dept_id NOT IN (2, 4, 6)
-- @@
SELECT emp_id FROM employee WHERE first_name IN ('Ada', 'Grace', 'Nobody''s')
-- @@
SELECT emp_id FROM employee WHERE (dept_id, active) IN ((4, true), (6, true), (7, false))
-- @@
SELECT emp_id FROM employee WHERE dept_id IN (SELECT dept_id FROM department WHERE parent_id = 2)
-- @@
SELECT name FROM department WHERE dept_id NOT IN (SELECT dept_id FROM employee WHERE dept_id IS NOT NULL)
-- @@
SELECT emp_id FROM employee WHERE (emp_id, dept_id) IN (SELECT manager_id, dept_id FROM employee)
-- @@
SELECT emp_id FROM employee WHERE salary > ALL (SELECT salary FROM employee WHERE dept_id = 4)
-- @@
SELECT emp_id FROM employee WHERE salary = ANY (SELECT salary FROM employee WHERE dept_id = 7)
-- @@
SELECT emp_id FROM employee WHERE salary < SOME (SELECT budget / 2 FROM department)
-- @@
SELECT emp_id FROM employee WHERE 'lead' = ANY (tags)
-- @@
SELECT emp_id FROM employee WHERE 'sql' <> ALL (tags) AND tags IS NOT NULL
-- @@
SELECT n FROM num WHERE n = ANY (ARRAY[1, 3, 5]) OR n = SOME ('{7,9}'::int[])
-- @@
SELECT n FROM num WHERE n > ALL (ARRAY[1, 2]) AND n < ANY (ARRAY[5, 6])
-- @@
SELECT first_name FROM employee WHERE first_name LIKE ANY (ARRAY['A%', '%e'])
-- @@
SELECT n FROM num WHERE n BETWEEN 2 AND 4
-- @@
SELECT n FROM num WHERE n NOT BETWEEN -2 AND 12
-- @@
SELECT n FROM num WHERE n BETWEEN SYMMETRIC 4 AND 2
-- @@
SELECT n FROM num WHERE n NOT BETWEEN SYMMETRIC 12 AND -2
-- @@
SELECT n FROM num WHERE n BETWEEN ASYMMETRIC 1 AND 2
-- @@
SELECT n, n BETWEEN 1 AND 5 = true AS weird FROM num
-- @@
SELECT first_name FROM employee WHERE first_name LIKE 'E%'
-- @@
SELECT first_name FROM employee WHERE first_name NOT LIKE '%a%'
-- @@
SELECT first_name FROM employee WHERE first_name ILIKE 'e%' OR last_name ILIKE '%ON%'
-- @@
SELECT first_name FROM employee WHERE first_name NOT ILIKE '_a%'
-- @@
SELECT last_name FROM employee WHERE last_name LIKE '%!%%' ESCAPE '!'
-- @@
SELECT t FROM unnest(ARRAY['a_b', 'axb', 'a%b', 'ab']) t WHERE t LIKE 'a#_b' ESCAPE '#'
-- @@
SELECT t FROM unnest(ARRAY['a_b', 'axb', 'a%b', 'ab']) t WHERE t LIKE 'a\%b'
-- @@
SELECT first_name FROM employee WHERE first_name SIMILAR TO '(A|G)%'
-- @@
SELECT first_name FROM employee WHERE first_name NOT SIMILAR TO '%(a|e)%'
-- @@
SELECT t FROM unnest(ARRAY['ab', 'a|b', 'ba']) t WHERE t SIMILAR TO 'a!|b' ESCAPE '!'
-- @@
SELECT first_name, first_name ~ '^[A-E]' AS r1, first_name ~* '^e' AS r2, first_name !~ 'a' AS r3, first_name !~* 'A' AS r4
FROM employee
-- @@
SELECT body FROM note WHERE body ~ '[0-9]+' AND body !~* 'xyz'
-- @@
SELECT first_name FROM employee WHERE first_name ~~ 'M%' OR first_name !~~ '%e%' AND first_name ~~* 'g%'
-- @@
SELECT emp_id FROM employee WHERE active = true AND (rating > 3) = false
-- @@
SELECT emp_id FROM employee WHERE active AND NOT NOT active
-- @@
SELECT emp_id FROM employee WHERE NOT rating > 3
-- @@
SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT NULL::boolean
-- @@
SELECT emp_id FROM employee WHERE rating = 5 OR rating = 4 AND dept_id = 8
-- @@
SELECT emp_id FROM employee WHERE (rating = 5 OR rating = 4) AND dept_id = 8
-- @@
SELECT emp_id FROM employee e WHERE hired > DATE '2015-01-01' AND hired < '2023-01-01'::date
-- @@
SELECT emp_id FROM employee WHERE (salary, emp_id) > (120000, 5)
-- @@
SELECT emp_id FROM employee WHERE ROW(dept_id, rating) = ROW(4, 5)
-- @@
SELECT emp_id FROM employee WHERE ROW(dept_id, rating) IS DISTINCT FROM ROW(4, 5) AND dept_id = 4
-- @@
SELECT lang, lang < 'e' COLLATE "C" AS before_e FROM note
