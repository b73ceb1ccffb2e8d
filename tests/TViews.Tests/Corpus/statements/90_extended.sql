-- Extended forms: valid PostgreSQL 15 SELECTs outside the front end's documented surface
-- (TABLESAMPLE, SEARCH/CYCLE of recursive CTEs, COLLATION FOR, NORMALIZE / IS NORMALIZED, OPERATOR() with
-- ANY, OVERLAPS, an alias on JOIN ... USING, operator keywords as bare column labels, a comparison as the
-- lower bound of BETWEEN, chained op ANY/ALL). The corpus test accepts either a correct round trip or a
-- clean SqlSyntaxException for these; a parse that succeeds but changes the result is a failure.
-- @@
WITH RECURSIVE tree AS (
    SELECT dept_id, parent_id FROM department WHERE parent_id IS NULL
    UNION ALL
    SELECT d.dept_id, d.parent_id FROM department d JOIN tree t ON d.parent_id = t.dept_id
) SEARCH DEPTH FIRST BY dept_id SET ordercol
SELECT dept_id, ordercol FROM tree
-- @@
WITH RECURSIVE tree AS (
    SELECT dept_id, parent_id FROM department WHERE parent_id IS NULL
    UNION ALL
    SELECT d.dept_id, d.parent_id FROM department d JOIN tree t ON d.parent_id = t.dept_id
) SEARCH BREADTH FIRST BY dept_id SET ordercol
SELECT dept_id FROM tree ORDER BY ordercol LIMIT 5
-- @@
WITH RECURSIVE walk(a, b) AS (
    SELECT 1, 2
    UNION ALL
    SELECT b, CASE WHEN b = 3 THEN 1 ELSE b + 1 END FROM walk
) CYCLE a SET is_cycle USING cycle_path
SELECT a, b, is_cycle FROM walk
-- @@
SELECT count(*) FROM employee TABLESAMPLE BERNOULLI (100) REPEATABLE (42)
-- @@
SELECT count(*) FROM department AS d TABLESAMPLE SYSTEM (100)
-- @@
SELECT collation for ('abc'::text) AS a, collation for (lang) AS b FROM note WHERE note_id = 1
-- @@
SELECT normalize('Å', NFC) = normalize('Å') AS a, 'abc' IS NFC NORMALIZED AS b, 'abc' IS NOT NFKD NORMALIZED AS c
-- @@
SELECT n FROM num WHERE n OPERATOR(pg_catalog.=) ANY (ARRAY[1, 2]) OR n OPERATOR(pg_catalog.<) ALL (SELECT -3)
-- @@
SELECT (DATE '2024-01-01', DATE '2024-06-01') OVERLAPS (DATE '2024-05-01', DATE '2024-12-31') AS o1,
       (TIMESTAMP '2024-01-01', INTERVAL '1 day') OVERLAPS (TIMESTAMP '2024-01-03', INTERVAL '1 day') AS o2
-- @@
SELECT j.dept_id, e.first_name
FROM employee e JOIN department d USING (dept_id) AS j
WHERE j.dept_id < 4
-- @@
SELECT 1 AND, 2 OR, 3 IS, 4 IN, 5 LIKE, 6 ILIKE, 7 BETWEEN, 8 SIMILAR, 9 COLLATE
-- @@
SELECT true BETWEEN 1 < 2 AND true AS a, n BETWEEN n - 1 AND n + 1 AS b FROM num WHERE n = 0
-- @@
SELECT 1 < ALL (ARRAY[2, 3]) = true AS a, 2 = ANY (ARRAY[1, 2]) = ANY (ARRAY[true]) AS b
