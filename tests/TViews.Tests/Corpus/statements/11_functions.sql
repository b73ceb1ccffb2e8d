SELECT upper(first_name), lower(last_name), length(first_name), initcap('hello wORLD') FROM employee
-- @@
SELECT EXTRACT(YEAR FROM hired) AS y, EXTRACT(month FROM hired) AS m, extract(dow FROM hired) AS dow, EXTRACT(epoch FROM shift) AS secs
FROM employee
-- @@
SELECT extract('day' FROM DATE '2024-02-29') AS a, EXTRACT(HOUR FROM TIMESTAMP '2024-01-01 13:14:15') AS b, EXTRACT(century FROM DATE '2001-01-01') AS c
-- @@
SELECT SUBSTRING('PostgreSQL' FROM 5 FOR 3) AS a, substring('PostgreSQL' FROM 5) AS b, substring('PostgreSQL' FOR 4) AS c, substring('PostgreSQL', 2, 3) AS d
-- @@
SELECT substring(body FROM '[0-9]+') AS digits, substring(body SIMILAR '%#"[0-9]+#"%' ESCAPE '#') AS sim FROM note WHERE note_id = 10
-- @@
SELECT substring('foobar' FROM 'o(.)b') AS re, substring('abcdef' FROM '%#"cd#"%' FOR '#') AS sim2
-- @@
SELECT POSITION('gre' IN 'PostgreSQL') AS a, position('x' IN first_name) AS b, strpos(last_name, 'o') AS c FROM employee
-- @@
SELECT TRIM('  x  ') AS a, TRIM(LEADING FROM '  x  ') AS b, trim(TRAILING FROM '  x  ') AS c, trim(BOTH FROM '  x  ') AS d,
       trim(BOTH 'x' FROM 'xxhixx') AS e, trim(LEADING 'x' FROM 'xxhixx') AS f, trim(TRAILING 'x' FROM 'xxhixx') AS g, trim('x' FROM 'xhix') AS h,
       TRIM(FROM '  y  ') AS i, trim(both from body) AS j
FROM note WHERE note_id = 9
-- @@
SELECT btrim(body, 'x'), ltrim(body), rtrim('abc  ') || '|' FROM note WHERE note_id IN (9, 11)
-- @@
SELECT OVERLAY('Txxxxas' PLACING 'hom' FROM 2 FOR 4) AS a, overlay('abcdef' PLACING 'ZZ' FROM 3) AS b
-- @@
SELECT COALESCE(NULL, NULL, 'third') AS a, NULLIF(1, 1) AS b, NULLIF('x', 'y') AS c, GREATEST(1, 5, 3) AS d, LEAST('b', 'a', 'c') AS e, greatest(NULL::int, NULL) AS f
-- @@
SELECT make_interval(days => 2) AS a, make_interval(hours => 1, mins => 30) AS b, make_interval(years := 1) AS c
-- @@
SELECT greet('Ada') AS a, greet('Ada', 'Hi') AS b, greet(name => 'Ada', punct => '?') AS c, greet('Ada', punct := '.') AS d
-- @@
SELECT jsonb_build_object('a', 1, 'b', ARRAY[1, 2], 'c', NULL, 'd', jsonb_build_object('e', true)) AS o,
       jsonb_build_array(1, 'two', 3.0, NULL) AS a,
       json_build_object('k', 'v')::text AS j
-- @@
SELECT concat_ws(', ', 'a', NULL, 'b') AS a, concat_ws('-', VARIADIC ARRAY['x', 'y', 'z']) AS b,
       format('%s-%s', 'p', 'q') AS c, format('%s|%s|%s', VARIADIC ARRAY['1', '2', '3']) AS d
-- @@
SELECT add_all(1, 2, 3) AS a, add_all(VARIADIC ARRAY[4, 5]) AS b, add_all(VARIADIC nums => ARRAY[6]) AS c
-- @@
SELECT concat('a', 1, NULL, true) AS a, concat(VARIADIC ARRAY['b', 'c']) AS b, format('%I.%L', 'My Table', 'it''s') AS c
-- @@
SELECT replace(body, 'a', 'A'), translate('hello', 'el', 'ip'), reverse('abc'), repeat('ab', 3), lpad('7', 3, '0'), rpad('x', 3, '.')
FROM note WHERE note_id = 12
-- @@
SELECT split_part('a.b.c', '.', 2) AS a, string_to_array('a,b,,c', ',') AS b, array_to_string(ARRAY[1, NULL, 3], '/', '*') AS c,
       regexp_replace('abc123', '[0-9]', 'X', 'g') AS d, regexp_match('foo=bar', '(\w+)=(\w+)') AS e
-- @@
SELECT left('abcdef', 2), right('abcdef', 2), md5('abc'), encode('\x414243'::bytea, 'hex'), chr(65), ascii('A'), to_hex(255)
-- @@
SELECT round(2.5), round(-2.5), round(3.14159, 2), trunc(-3.7), ceil(1.2), floor(-1.2), abs(-4), sign(-3), mod(17, 5), power(2, 10), sqrt(2::numeric)
-- @@
SELECT div(17, 5), gcd(12, 18), lcm(4, 6), width_bucket(42, 0, 100, 10), log(100), ln(1), exp(0), pi()::numeric(8,6)
-- @@
SELECT to_char(hired, 'YYYY-MM-DD') AS d, to_char(salary, 'FM999,999.00') AS s, to_number('12,345.6', '99,999.9') AS n,
       to_date('05 Mar 2024', 'DD Mon YYYY') AS td
FROM employee WHERE emp_id IN (1, 2)
-- @@
SELECT date_trunc('month', hired) AS m, date_part('year', hired) AS y, age(DATE '2024-01-01', hired) AS tenure
FROM employee WHERE emp_id <= 5
-- @@
SELECT count(*) AS c, "count"(*) AS c2, pg_catalog.count(emp_id) AS c3, sum(emp_id)::int AS s FROM employee
-- @@
SELECT jsonb_agg(DISTINCT dept_id ORDER BY dept_id) AS depts, array_agg(first_name ORDER BY last_name DESC NULLS LAST) AS names FROM employee
-- @@
SELECT string_agg(DISTINCT role, ',' ORDER BY role) FILTER (WHERE hours > 10) AS roles FROM assignment
-- @@
SELECT coalesce(jsonb_agg(x ORDER BY x) FILTER (WHERE x > 100), '[]'::jsonb) AS none FROM generate_series(1, 3) x
-- @@
SELECT num_nulls(1, NULL, 2, NULL), num_nonnulls(1, NULL, 2), nullif(num_nulls(VARIADIC ARRAY[1, NULL]), 0)
-- @@
SELECT array_length(tags, 1), cardinality(tags), array_position(tags, 'lead'), array_remove(tags, NULL), array_append(tags, 'new')
FROM employee WHERE emp_id <= 9
-- @@
SELECT quote_ident('Select'), quote_literal('it''s'), quote_nullable(NULL), pg_typeof(1.5)::text, pg_typeof('x'::varchar(3))::text
-- @@
SELECT starts_with(first_name, 'E'), first_name ^@ 'G' FROM employee
-- @@
SELECT lower((e.address).city), (e.address).zip || (e).first_name FROM employee AS e WHERE e.emp_id <= 2
-- @@
SELECT (upper(first_name)) AS u, ((((salary)))) AS s FROM employee WHERE emp_id = 3
-- @@
SELECT generate_series(1, 3) AS srf, 'x' AS c
-- @@
SELECT unnest(ARRAY[1, 2]) AS a, unnest(ARRAY['x', 'y', 'z']) AS b
-- @@
SELECT nextval_like_length.len FROM (SELECT octet_length('héllo') AS len, char_length('héllo') AS clen, bit_length('a') AS blen) nextval_like_length
-- @@
SELECT current_date IS NOT NULL AS a, now() IS NOT NULL AS b, current_timestamp <= current_timestamp + interval '1 second' AS c,
       localtimestamp IS NOT NULL AS d, current_time IS NOT NULL AS e, localtime IS NOT NULL AS f, current_timestamp(0) IS NOT NULL AS g,
       statement_timestamp() >= transaction_timestamp() AS h, extract(year FROM current_date) >= 2024 AS i
-- @@
SELECT current_user = session_user AS a, current_role IS NOT NULL AS b, user IS NOT NULL AS c, current_schema AS d, current_schema() AS e,
       current_catalog = current_database() AS f
-- @@
SELECT coalesce(max(salary), 0) FROM employee WHERE false
