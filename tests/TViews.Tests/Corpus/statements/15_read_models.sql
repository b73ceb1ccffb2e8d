SELECT d.dept_id, jsonb_build_object('id', d.dept_id, 'name', d.name, 'budget', d.budget) AS data
FROM department d
-- @@
SELECT e.emp_id, e.uid AS id,
       jsonb_build_object(
           'id', e.uid,
           'name', e.first_name || ' ' || e.last_name,
           'email', e.email,
           'active', e.active,
           'department', jsonb_build_object('id', d.dept_id, 'name', d.name)
       ) AS data
FROM employee e
LEFT JOIN department d ON d.dept_id = e.dept_id
-- @@
SELECT d.dept_id,
       jsonb_build_object(
           'name', d.name,
           'employees', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', e.emp_id, 'name', e.first_name) ORDER BY e.emp_id)
                                  FROM employee e
                                  WHERE e.dept_id = d.dept_id), '[]'::jsonb),
           'employeeCount', (SELECT count(*) FROM employee e WHERE e.dept_id = d.dept_id)
       ) AS data
FROM department d
-- @@
SELECT p.proj_id,
       jsonb_build_object(
           'id', p.proj_id,
           'name', p.name,
           'department', (SELECT jsonb_build_object('id', d.dept_id, 'name', d.name) FROM department d WHERE d.dept_id = p.dept_id),
           'members', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                        'role', a.role,
                                        'hours', a.hours,
                                        'employee', jsonb_build_object('id', e.emp_id, 'name', e.first_name, 'tags', to_jsonb(e.tags))
                                    ) ORDER BY a.hours DESC, e.emp_id)
                                FROM assignment a
                                JOIN employee e ON e.emp_id = a.emp_id
                                WHERE a.proj_id = p.proj_id), '[]'::jsonb),
           'totalHours', COALESCE((SELECT sum(a.hours) FROM assignment a WHERE a.proj_id = p.proj_id), 0)
       ) AS data
FROM project p
-- @@
SELECT d.dept_id, jsonb_build_object('id', d.dept_id, 'name', d.name, 'headcount', count(e.emp_id), 'payroll', coalesce(sum(e.salary), 0)) AS data
FROM department d
LEFT JOIN employee e ON e.dept_id = d.dept_id
GROUP BY d.dept_id, d.name
-- @@
SELECT m.emp_id,
       jsonb_build_object(
           'manager', m.first_name,
           'reports', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                        'name', r.first_name,
                                        'projects', COALESCE((SELECT jsonb_agg(p.name ORDER BY p.name)
                                                              FROM assignment a JOIN project p ON p.proj_id = a.proj_id
                                                              WHERE a.emp_id = r.emp_id), '[]'::jsonb)
                                    ) ORDER BY r.emp_id)
                                FROM employee r
                                WHERE r.manager_id = m.emp_id), '[]'::jsonb)
       ) AS data
FROM employee m
WHERE EXISTS (SELECT 1 FROM employee r WHERE r.manager_id = m.emp_id)
-- @@
SELECT e.emp_id,
       to_jsonb(e.*) - 'skills' - 'address' AS flat,
       jsonb_build_object('address', to_jsonb(e.address), 'skills', coalesce(e.skills, '{}'::jsonb)) AS nested
FROM employee e
-- @@
SELECT d.dept_id,
       jsonb_build_object(
           'name', d.name,
           'parent', (SELECT jsonb_build_object('id', p.dept_id, 'name', p.name) FROM department p WHERE p.dept_id = d.parent_id),
           'children', COALESCE((SELECT jsonb_agg(c.name ORDER BY c.name) FROM department c WHERE c.parent_id = d.dept_id), '[]'::jsonb)
       ) AS data
FROM department d
-- @@
SELECT e.emp_id,
       json_build_object('id', e.emp_id, 'projects', COALESCE(json_agg(json_build_object('id', p.proj_id, 'name', p.name) ORDER BY p.proj_id) FILTER (WHERE p.proj_id IS NOT NULL), '[]'::json))::text AS data
FROM employee e
LEFT JOIN assignment a ON a.emp_id = e.emp_id
LEFT JOIN project p ON p.proj_id = a.proj_id
GROUP BY e.emp_id
-- @@
SELECT p.proj_id,
       jsonb_build_object('id', p.proj_id, 'roles', jsonb_object_agg(a.role, a.cnt)) AS data
FROM project p
JOIN (SELECT proj_id, role, count(*) AS cnt FROM assignment GROUP BY proj_id, role) a ON a.proj_id = p.proj_id
GROUP BY p.proj_id
-- @@
SELECT d.dept_id,
       jsonb_build_object('stats', jsonb_build_object(
           'min', min(e.salary), 'max', max(e.salary),
           'active', count(*) FILTER (WHERE e.active),
           'tags', coalesce(jsonb_agg(DISTINCT t.tag) FILTER (WHERE t.tag IS NOT NULL), '[]')
       )) AS data
FROM department d
JOIN employee e ON e.dept_id = d.dept_id
LEFT JOIN LATERAL unnest(e.tags) AS t(tag) ON true
GROUP BY d.dept_id
-- @@
SELECT e.emp_id,
       jsonb_build_object(
           'name', e.first_name,
           'leadOf', (SELECT count(*) FROM assignment a WHERE a.emp_id = e.emp_id AND a.role = 'lead'),
           'hours', (SELECT coalesce(sum(a.hours), 0) FROM assignment a WHERE a.emp_id = e.emp_id),
           'lastProject', (SELECT p.name FROM assignment a JOIN project p USING (proj_id) WHERE a.emp_id = e.emp_id ORDER BY p.starts DESC, p.proj_id LIMIT 1)
       ) AS data
FROM employee e
WHERE e.active
-- @@
SELECT n.note_id, jsonb_build_object('body', n.body, 'author', (SELECT jsonb_build_object('id', e.uid, 'name', e.first_name) FROM employee e WHERE e.emp_id = n.emp_id)) AS data
FROM note n
-- @@
SELECT t.k, jsonb_build_object('k', t.k, 'items', COALESCE(jsonb_agg(t.v ORDER BY t.v) FILTER (WHERE t.v IS NOT NULL), '[]'::jsonb)) AS data
FROM (VALUES (1, 'a'), (1, 'b'), (2, NULL)) AS t(k, v)
GROUP BY t.k
