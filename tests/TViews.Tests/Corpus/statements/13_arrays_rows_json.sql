SELECT ARRAY[1, 2, 3] AS a, ARRAY[[1, 2], [3, 4]] AS b, ARRAY[ARRAY['a'], ARRAY['b']] AS c, ARRAY[]::int[] AS d, ARRAY[NULL, 1] AS e
-- @@
SELECT ARRAY(SELECT emp_id FROM employee WHERE dept_id = 4 ORDER BY emp_id) AS ids
-- @@
SELECT d.name, ARRAY(SELECT e.first_name FROM employee e WHERE e.dept_id = d.dept_id ORDER BY e.first_name) AS people FROM department d
-- @@
SELECT tags[1] AS first_tag, tags[2:3] AS slice, tags[:1] AS head, tags[2:] AS tail, tags[:] AS whole FROM employee WHERE emp_id <= 10
-- @@
SELECT grid[1][2] AS g12, grid[2:2][1:2] AS row2, grid[1] AS g1_null, (scores)[1] AS s1 FROM project
-- @@
SELECT (ARRAY[10, 20, 30])[2] AS a, (ARRAY[10, 20, 30])[2:3] AS b, ('{5,6,7}'::int[])[3] AS c
-- @@
SELECT (string_to_array('a-b-c', '-'))[2] AS mid, (regexp_match('key=val', '(\w+)=(\w+)'))[2] AS val
-- @@
SELECT scores || 100 AS appended, 0 || scores AS prepended, scores || ARRAY[7, 8] AS concat, array_cat(scores, scores) AS dbl FROM project WHERE proj_id <= 4
-- @@
SELECT scores @> ARRAY[70] AS contains, ARRAY[100] <@ scores AS contained, scores && ARRAY[90, 60] AS overlaps FROM project WHERE scores IS NOT NULL
-- @@
SELECT array_dims(grid), array_ndims(grid), array_upper(scores, 1), array_lower(scores, 1) FROM project WHERE proj_id = 1
-- @@
SELECT proj_id, s FROM project, unnest(scores) AS s WHERE s > 80
-- @@
SELECT ROW(1, 'a', true) AS r, ROW(emp_id, first_name) AS r2, (1, 2) AS r3, ROW() AS r4, ROW(NULL) AS r5 FROM employee WHERE emp_id = 1
-- @@
SELECT (ROW(1, 2)).f1 AS a, (ROW('x', 'y', 'z')::address_t).city AS b, ((1, 2)) = ((1, 2)) AS c
-- @@
SELECT (address).street, (address).zip, (e.address).city FROM employee e WHERE emp_id BETWEEN 1 AND 4
-- @@
SELECT (address).* FROM employee WHERE emp_id IN (2, 5)
-- @@
SELECT (e).first_name, (e).emp_id FROM employee e WHERE emp_id = 3
-- @@
SELECT (x).a, (x).b, (x).* FROM (SELECT t AS x FROM (VALUES (5, 'five'), (6, 'six')) t(a, b)) s
-- @@
SELECT (jsonb_each(skills)).* FROM employee WHERE emp_id = 4
-- @@
SELECT (jsonb_each(skills)).key FROM employee WHERE emp_id = 1
-- @@
SELECT emp_id, address IS NULL AS n, address IS NOT NULL AS nn, address = ROW('', '', '')::address_t AS empty FROM employee
-- @@
SELECT (jsonb_each_text('{"b": "2", "a": "1"}')).*, unnest(ARRAY[10, 20, 30]) AS u
-- @@
SELECT skills -> 'sql' AS a, skills ->> 'sql' AS b, skills -> 'langs' -> 0 AS c, skills -> 'langs' ->> 1 AS d FROM employee
-- @@
SELECT skills #> '{nested,deep}' AS a, skills #>> '{nested,deep,x}' AS b, skills #> ARRAY['arr', '1', '0'] AS c, skills -> 'arr' -> -1 AS d
FROM employee WHERE emp_id = 18
-- @@
SELECT emp_id FROM employee WHERE skills @> '{"sql": 5}'
-- @@
SELECT emp_id FROM employee WHERE '{"c": 5}'::jsonb <@ skills
-- @@
SELECT emp_id FROM employee WHERE skills ? 'go'
-- @@
SELECT emp_id FROM employee WHERE skills ?| ARRAY['ruby', 'python']
-- @@
SELECT emp_id FROM employee WHERE skills ?& ARRAY['sql', 'langs']
-- @@
SELECT emp_id, (skills ->> 'sql')::int + 1 AS next_level FROM employee WHERE (skills -> 'sql') IS NOT NULL
-- @@
SELECT meta -> 'client' ->> 'name' AS client, meta #>> '{client,country}' AS country, jsonb_array_length(meta -> 'owners') AS owners
FROM project
-- @@
SELECT skills || '{"new": 1}'::jsonb AS merged, skills - 'sql' AS removed, skills - ARRAY['c', 'go'] AS removed2, skills #- '{langs,0}' AS removed3
FROM employee WHERE emp_id <= 3
-- @@
SELECT jsonb_set(skills, '{sql}', '10') AS s, jsonb_insert('{"a": [1, 2]}', '{a,0}', '0') AS i, jsonb_strip_nulls('{"a": null, "b": 1}') AS n
FROM employee WHERE emp_id = 1
-- @@
SELECT jsonb_path_query_array(meta, '$.owners[*] ? (@ > 3)') AS big_owners, meta @? '$.client' AS has_client, meta @@ '$.owners.size() > 2' AS many
FROM project
-- @@
SELECT jsonb_typeof(skills -> 'langs'), jsonb_pretty('{"a":1}') IS NOT NULL, to_jsonb(e.address) AS addr FROM employee e
-- @@
SELECT to_jsonb(d) - 'budget' AS dept FROM department d WHERE d.dept_id < 4
-- @@
SELECT row_to_json(t) AS j FROM (SELECT emp_id, first_name FROM employee WHERE emp_id < 3) t
-- @@
SELECT jsonb_agg(t ORDER BY t.n) FROM (SELECT n, odd FROM num WHERE n BETWEEN 1 AND 3) t
-- @@
SELECT x, x -> 'a' AS a FROM jsonb_array_elements('[{"a": 1}, {"a": [2]}, {"b": 3}]'::jsonb) AS x
-- @@
SELECT value::int AS v FROM jsonb_array_elements_text('[1, 2, 3]') WHERE value::int > 1
-- @@
SELECT span, lower(span), upper(span), span @> DATE '2021-06-01' AS has_day, isempty(span) FROM project
-- @@
SELECT int4range(1, 10) * int4range(5, 15) AS isect, int4range(1, 5) + int4range(5, 8) AS u, '[1,3]'::int4range AS r, numrange(1.5, 2.5, '[]') AS n
