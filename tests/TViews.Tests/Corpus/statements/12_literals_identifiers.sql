SELECT 'plain' AS a, 'it''s' AS b, '''' AS c, '' AS d, 'two '' quotes '' here' AS e, 'semi;colon' AS f, '-- not a comment' AS g, '/* nor this */' AS h
-- @@
SELECT E'line1\nline2' AS a, E'tab\there' AS b, E'back\\slash' AS c, E'quote\'s' AS d, e'\x41\102\u0043' AS e, E'it''s' AS f, E'\U0001F600' AS g
-- @@
SELECT 'back\slash is literal' AS a, length('\n') AS b, 'ends with backslash\' AS c
-- @@
SELECT U&'\0041\0042' AS a, U&'d\0061t\+000061' AS b, U&'d!0061t!+000061' UESCAPE '!' AS c, u&'caf\00e9' AS d
-- @@
SELECT $$dollar 'quoted' text$$ AS a, $$$$ AS empty, $tag$with $$ inside; and -- dashes$tag$ AS b, $a$ $b$ nested $b$ $a$ AS c
-- @@
SELECT $fn$
  multi-line
  'with quotes' and "double quotes" and /* comments */
$fn$ AS body
-- @@
SELECT length($x$;$x$) AS one_char, $_$underscore tag$_$ AS u, $T1$tag with digit$T1$ AS t
-- @@
SELECT 'adjacent'
'literals' AS joined,
'three'
  'parts'
  ' here' AS three
-- @@
SELECT 'with'
-- a comment between the parts
'comment' AS joined
-- @@
SELECT'x'AS a,(1)AS b,"emp_id"FROM employee WHERE emp_id=1 AND(salary)>0
-- @@
SELECT B'1010' AS bits, X'1F' AS hexbits, b'0' | B'1' AS bor, N'national' AS nat
-- @@
SELECT 1.5e3 AS a, .5 AS b, 5. AS c, 1e-3 AS d, 1E+2 AS e, 0.0 AS f, 00012 AS g, 2147483648 AS h, 9223372036854775808 AS i, 1.0e0 AS j
-- @@
SELECT 3.14::real AS a, -0.0 AS b, 1e10::bigint AS c, .5e1 AS d, 12345678901234567890.123 AS e
-- @@
SELECT "emp_id", "EMP_ID_IS_NOT_THIS"
FROM (SELECT 1 AS emp_id, 2 AS "EMP_ID_IS_NOT_THIS") s
-- @@
SELECT "quo""te" AS "c""d", "select" AS "from", "Weird Table"."Mixed Case" FROM "Weird Table"
-- @@
SELECT U&"d\0061t\+000061" AS u1, U&"!0041" UESCAPE '!' AS u2 FROM (SELECT 1 AS data, 2 AS "A") s
-- @@
SELECT "Ünï" AS "ÜNÏ", "user" AS "User" FROM "Weird Table"
-- @@
SELECT EMP_ID, Emp_Id AS mixed FROM EMPLOYEE WHERE EMP_ID = 1
-- @@
SELECT /* block comment */ 1 AS a, -- line comment
       2 AS b /* another
       spanning lines */, 3 AS c -- trailing
-- @@
/* leading comment */ SELECT 1 /* nested /* inner */ still comment */ AS a
-- @@
-- leading line comment
SELECT 1 AS a
-- trailing line comment
-- @@
SELECT 1 -/* comment inside operator position */1 AS a, 2--comment
+3 AS b, 4/**/+5 AS c
-- @@
SELECT emp_id FROM employee WHERE first_name = 'Ada' -- the first
   OR first_name = 'Grace' /* the second */
-- @@
SELECT 'Ünïcødé 日本語 🎉' AS u, length('🎉') AS l, '日本語' || '!' AS j
-- @@
SELECT body FROM note WHERE body = 'It''s a "test"; with semicolons; and -- dashes'
-- @@
SELECT body FROM note WHERE body LIKE '%$$%' OR body LIKE E'%\n%'
-- @@
SELECT * FROM "Weird Table" WHERE "quo""te" = 'a"b' OR "quo""te" = ''''
-- @@
SELECT "public"."employee"."emp_id" FROM "public"."employee" WHERE "employee"."emp_id" < 3
-- @@
SELECT TRUE AS t, FALSE AS f, NULL AS n, true AND TRUE AS tt, Null IS NULL AS nn
-- @@
SELECT 'true'::boolean AS a, 'off'::boolean AS b, '1'::bool AS c, 'NaN'::float8 AS d, '-Infinity'::float8 AS e, 'infinity'::date AS f
-- @@
SELECT '{"a": "x", "b": [1, 2, {"c": null}]}'::jsonb AS j, '[]'::json AS k, '{}'::jsonb AS l
-- @@
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid = uid AS same FROM employee WHERE emp_id = 11
-- @@
SELECT ';' AS semi, $$;$$ AS semi2, '$$' AS dollars, E'\'' AS quote, '"' AS dq
-- @@
SELECT w . "select", w. from, w .user, w."Mixed Case", w.select AS s FROM "Weird Table" w
-- @@
SELECT 'with' -- a comment right after the first part
'continuation' AS joined, 'three' -- one
-- two
'parts' AS more
