-- Schema and deterministic data for the SQL front-end acceptance corpus
-- (tests/TViews.Tests/Corpus/statements/*.sql). Plain SQL, run as one multi-statement command.
-- Every value is written out or derived from generate_series with fixed arithmetic: no random(),
-- no now(), no sequences whose values depend on execution order.

CREATE TYPE address_t AS (street text, city text, zip text);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

-- Self-referencing table (recursive CTEs).
CREATE TABLE department (
    dept_id    integer PRIMARY KEY,
    name       text NOT NULL,
    parent_id  integer REFERENCES department (dept_id),
    budget     numeric(12,2),
    founded    date NOT NULL
);

INSERT INTO department (dept_id, name, parent_id, budget, founded) VALUES
    (1,  'Head Office',  NULL, 1000000.00, DATE '1990-01-15'),
    (2,  'Engineering',  1,    550000.50,  DATE '1995-03-01'),
    (3,  'Sales',        1,    300000.00,  DATE '1996-07-20'),
    (4,  'Backend',      2,    200000.25,  DATE '2001-02-28'),
    (5,  'Frontend',     2,    150000.00,  DATE '2003-11-11'),
    (6,  'Databases',    4,    NULL,       DATE '2008-05-05'),
    (7,  'EMEA Sales',   3,    120000.00,  DATE '2010-09-30'),
    (8,  'APAC Sales',   3,    80000.75,   DATE '2012-12-12'),
    (9,  'R&D "Labs"',   2,    0.00,       DATE '2016-02-29'),
    (10, 'Café Ünïcødé', 1,    12345.67,   DATE '2020-06-01'),
    (11, 'Closed',       NULL, NULL,       DATE '1999-12-31');

CREATE TABLE employee (
    emp_id      integer PRIMARY KEY,
    dept_id     integer REFERENCES department (dept_id),
    manager_id  integer REFERENCES employee (emp_id),
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    email       text,
    salary      numeric(10,2) NOT NULL,
    bonus       numeric,
    hired       date NOT NULL,
    active      boolean NOT NULL,
    rating      smallint,
    uid         uuid NOT NULL,
    last_login  timestamptz,
    shift       interval,
    tags        text[],
    skills      jsonb,
    address     address_t,
    feeling     mood
);

INSERT INTO employee VALUES
    (1,  1,  NULL, 'Ada',     'Lovelace',   'ada@example.com',     250000.00, 50000,  DATE '1990-01-15', true,  5,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a01', TIMESTAMPTZ '2024-03-01 09:15:00+00', INTERVAL '8 hours',           ARRAY['lead','math'],        '{"sql": 5, "go": 2, "langs": ["en", "fr"]}',   ROW('1 Main St', 'London', 'N1 1AA'),   'happy'),
    (2,  2,  1,    'Grace',   'Hopper',     'grace@example.com',   180000.00, 20000,  DATE '1995-03-01', true,  5,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a02', TIMESTAMPTZ '2024-03-02 10:00:00+00', INTERVAL '7 hours 30 minutes', ARRAY['lead','cobol'],       '{"sql": 4, "cobol": 5, "langs": ["en"]}',      ROW('2 Navy Rd', 'Arlington', '22201'), 'happy'),
    (3,  3,  1,    'Linus',   'Torvalds',   'linus@example.com',   150000.00, NULL,   DATE '1996-07-20', true,  4,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a03', NULL,                                  INTERVAL '6 hours',           ARRAY['c'],                  '{"c": 5, "langs": ["fi", "en"]}',              ROW('3 Kernel Way', 'Portland', '97201'), 'ok'),
    (4,  4,  2,    'Barbara', 'Liskov',     'barbara@example.com', 140000.00, 15000,  DATE '2001-02-28', true,  5,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a04', TIMESTAMPTZ '2024-02-28 23:59:59+00', INTERVAL '8 hours',           ARRAY['clu','lead'],         '{"sql": 3, "clu": 5}',                         ROW('4 Abstraction Ave', 'Boston', '02139'), 'happy'),
    (5,  4,  4,    'Edsger',  'Dijkstra',   NULL,                  120000.00, 0,      DATE '2002-05-11', false, 3,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a05', TIMESTAMPTZ '2023-12-31 12:00:00+01', INTERVAL '1 day',             ARRAY['algol','goto'],       '{"algol": 5}',                                 ROW('5 Path Ln', 'Austin', '78701'),    'sad'),
    (6,  5,  2,    'Margaret','Hamilton',   'margaret@example.com',130000.00, 5000,   DATE '2003-11-11', true,  NULL, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a06', TIMESTAMPTZ '2024-01-10 08:30:00-05', INTERVAL '9 hours',           ARRAY[]::text[],             '{"apollo": 5, "langs": []}',                   NULL,                                   'ok'),
    (7,  6,  4,    'Edgar',   'Codd',       'ted@example.com',     135000.00, 12500.5, DATE '2008-05-05', true, 5,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a07', TIMESTAMPTZ '2024-03-05 14:45:30+00', INTERVAL '8 hours',           ARRAY['sql','relational'],   '{"sql": 5, "langs": ["en"]}',                  ROW('7 Relation Sq', NULL, '10001'),    'happy'),
    (8,  6,  7,    'Michael', 'Stonebraker','mike@example.com',    128000.00, 9000,   DATE '2009-01-02', true,  4,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a08', TIMESTAMPTZ '2024-03-04 07:00:00+00', INTERVAL '10 hours',          ARRAY['postgres','sql'],     '{"sql": 5, "c": 4}',                           ROW('8 Ingres Blvd', 'Berkeley', '94720'), 'happy'),
    (9,  7,  3,    'Ken',     'Thompson',   'ken@example.com',      99000.00, NULL,   DATE '2010-09-30', true,  3,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a09', NULL,                                  NULL,                         ARRAY['unix', NULL, 'b'],    '{"b": 5, "go": 4}',                            ROW('9 Bell Labs', 'Murray Hill', '07974'), 'ok'),
    (10, 7,  9,    'Dennis',  'Ritchie',    'dmr@example.com',      99000.00, 1000,   DATE '2011-10-12', false, 4,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a10', TIMESTAMPTZ '2011-10-12 00:00:00+00', INTERVAL '8 hours',           ARRAY['c','unix'],           '{"c": 5}',                                     ROW('10 Bell Labs', 'Murray Hill', '07974'), 'sad'),
    (11, 8,  3,    'Yukihiro','Matsumoto',  'matz@example.jp',     110000.00, 3000,   DATE '2012-12-12', true,  4,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', TIMESTAMPTZ '2024-03-03 03:03:03+09', INTERVAL '6 hours',           ARRAY['ruby'],               '{"ruby": 5, "langs": ["ja", "en"]}',           ROW('11 Gem St', 'Matsue', '690-0000'), 'happy'),
    (12, 8,  11,   'Guido',   'van Rossum', 'guido@example.nl',    110000.00, 3000,   DATE '2013-01-01', true,  4,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', TIMESTAMPTZ '2024-02-29 12:00:00+00', INTERVAL '5 hours 45 minutes', ARRAY['python'],           '{"python": 5, "langs": ["nl", "en"]}',         ROW('12 Snake Pl', 'Amsterdam', '1011'), 'ok'),
    (13, 9,  2,    'Frances', 'Allen',      'fran@example.com',    125000.00, 7000,   DATE '2016-02-29', true,  5,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', TIMESTAMPTZ '2024-03-01 00:00:00+00', INTERVAL '8 hours',           ARRAY['compilers'],          '{"fortran": 5}',                               ROW('13 O''Brien St', 'Yorktown', '10598'), 'happy'),
    (14, 9,  13,   'John',    'O''Neil',    'j.oneil@example.com',  90000.00, NULL,   DATE '2017-06-15', true,  2,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14', NULL,                                  INTERVAL '4 hours',           NULL,                        NULL,                                           ROW('14 "Quoted" Ct', 'Dublin', 'D01'), NULL),
    (15, 10, 1,    'Zoë',     'Ünïcødé',    'zoe@example.fr',       70000.00, 250.75, DATE '2020-06-01', true,  3,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15', TIMESTAMPTZ '2024-03-05 18:00:00+01', INTERVAL '7 hours',           ARRAY['café','naïve'],       '{"sql": 1, "langs": ["fr", "de"]}',            ROW('15 Rue de l''Église', 'Paris', '75001'), 'ok'),
    (16, 10, 15,   'Åsa',     'Øster',      NULL,                   65000.00, NULL,   DATE '2021-01-04', false, NULL, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a16', NULL,                                  NULL,                         ARRAY['ski'],                '{}',                                           NULL,                                   NULL),
    (17, NULL, NULL,'Nobody', 'Null%Dept',  'nobody@example.com',   50000.00, NULL,   DATE '2022-02-22', true,  1,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a17', TIMESTAMPTZ '2022-02-22 22:22:22+00', INTERVAL '3 days 2 hours',   ARRAY['temp'],               '{"temp": true}',                               ROW('', '', ''),                        'sad'),
    (18, 5,  6,    'Tab',     E'Sep\tChar', 'tab@example.com',      80000.00, 800,    DATE '2023-07-07', true,  3,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a18', TIMESTAMPTZ '2024-03-05 00:00:00+00', INTERVAL '1 hour',            ARRAY['a_b','a%b'],          '{"nested": {"deep": {"x": 1}}, "arr": [1, [2, 3]]}', ROW('18 Back\Slash Rd', 'Leeds', 'LS1'), 'ok'),
    (19, 3,  3,    'Line',    E'Two\nLines','two@example.com',      85000.00, 850,    DATE '2023-08-08', true,  3,    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a19', TIMESTAMPTZ '2024-03-06 06:06:06+00', INTERVAL '2 hours',           ARRAY['x'],                  '{"sql": 2}',                                   ROW('19 Newline Rd', 'York', 'YO1'),    'happy'),
    (20, 3,  3,    'Dollar',  '$Sign$',     'dollar@example.com',   85000.00, 0,      DATE '2024-01-01', true,  NULL, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a20', TIMESTAMPTZ '2024-01-01 00:00:00+00', INTERVAL '-1 hours',          ARRAY['$x$'],                '{"price": 9.99, "ok": false, "none": null}',  ROW('20 Money St', 'Zurich', '8001'),   'sad');

CREATE TABLE project (
    proj_id   integer PRIMARY KEY,
    name      text NOT NULL,
    dept_id   integer REFERENCES department (dept_id),
    starts    date NOT NULL,
    ends      date,
    budget    numeric(12,2),
    scores    integer[],
    grid      integer[][],
    meta      jsonb,
    code      varchar(8),
    span      daterange
);

INSERT INTO project VALUES
    (1,  'Apollo',     2, DATE '2020-01-01', DATE '2020-12-31', 500000.00, ARRAY[90, 85, 77],  ARRAY[[1,2],[3,4]], '{"priority": "high", "owners": [1, 2], "client": {"name": "NASA", "country": "US"}}', 'APL-01', daterange('2020-01-01', '2020-12-31')),
    (2,  'Borealis',   4, DATE '2021-03-15', NULL,              120000.00, ARRAY[60, 70],      ARRAY[[5,6],[7,8]], '{"priority": "low", "owners": [4]}',                                            'BOR-02', daterange('2021-03-15', NULL)),
    (3,  'Cassini',    4, DATE '2019-06-01', DATE '2022-06-01', 300000.00, ARRAY[100],         NULL,               '{"priority": "high", "owners": [4, 5, 7], "client": {"name": "ESA", "country": "FR"}}', 'CAS-03', daterange('2019-06-01', '2022-06-01')),
    (4,  'Delphi',     5, DATE '2022-01-10', DATE '2022-03-10',  45000.50, ARRAY[]::integer[], NULL,               '{"priority": "medium", "owners": []}',                                        'DEL-04', daterange('2022-01-10', '2022-03-10')),
    (5,  'Eos',        6, DATE '2023-02-01', NULL,              NULL,      ARRAY[55, NULL, 65], ARRAY[[0,0],[0,1]], '{"priority": "medium", "owners": [7, 8], "tags": ["db", "perf"]}',             'EOS-05', daterange('2023-02-01', NULL)),
    (6,  'Fenix',      7, DATE '2018-09-09', DATE '2019-09-09',  75000.00, ARRAY[40, 45, 50, 55], NULL,            '{"priority": "low", "owners": [9, 10]}',                                      'FEN-06', daterange('2018-09-09', '2019-09-09')),
    (7,  'Gaia',       8, DATE '2024-01-01', NULL,              200000.00, NULL,               NULL,               NULL,                                                                        'GAI-07', NULL),
    (8,  'Helios''s',  9, DATE '2016-03-01', DATE '2024-03-01', 999999.99, ARRAY[99, 98],      ARRAY[[9,9],[9,9]], '{"priority": "high", "owners": [13], "note": "it''s \"quoted\""}',          'HEL-08', daterange('2016-03-01', '2024-03-01')),
    (9,  'Ïcarus',     10, DATE '2021-07-07', DATE '2021-07-08',    100.00, ARRAY[1, 2, 3, 4, 5], NULL,            '{"priority": "low", "owners": [15, 16], "ünï": "cødé"}',                       'ICA-09', daterange('2021-07-07', '2021-07-08')),
    (10, 'Juno',       NULL, DATE '2025-01-01', NULL,           NULL,      NULL,               NULL,               '{}',                                                                        NULL,     'empty'),
    (11, 'Kepler',     2, DATE '2020-05-05', DATE '2023-05-05', 410000.00, ARRAY[88, 92],      ARRAY[[1,1],[2,2]], '{"priority": "medium", "owners": [2, 4, 6, 13]}',                           'KEP-11', daterange('2020-05-05', '2023-05-05')),
    (12, 'Luna',       3, DATE '2022-10-10', NULL,               30000.00, ARRAY[70, 70, 70],  NULL,               '{"priority": "low", "owners": [3, 19, 20]}',                                  'LUN-12', daterange('2022-10-10', NULL));

-- Link table (many-to-many employee <-> project).
CREATE TABLE assignment (
    emp_id   integer NOT NULL REFERENCES employee (emp_id),
    proj_id  integer NOT NULL REFERENCES project (proj_id),
    role     text NOT NULL,
    hours    numeric(6,1) NOT NULL,
    since    date,
    PRIMARY KEY (emp_id, proj_id)
);

INSERT INTO assignment VALUES
    (1, 1, 'sponsor',   10.0, DATE '2020-01-01'),
    (2, 1, 'lead',     120.5, DATE '2020-01-01'),
    (2, 11, 'lead',     80.0, DATE '2020-05-05'),
    (4, 2, 'lead',     200.0, DATE '2021-03-15'),
    (4, 3, 'lead',      95.5, DATE '2019-06-01'),
    (4, 11, 'advisor',  12.0, NULL),
    (5, 3, 'engineer', 300.0, DATE '2019-06-01'),
    (5, 2, 'engineer',  40.0, DATE '2021-04-01'),
    (6, 4, 'lead',      60.0, DATE '2022-01-10'),
    (6, 11, 'engineer', 33.3, DATE '2021-01-01'),
    (7, 3, 'engineer', 150.0, DATE '2019-07-01'),
    (7, 5, 'lead',     210.0, DATE '2023-02-01'),
    (8, 5, 'engineer', 190.0, DATE '2023-02-15'),
    (9, 6, 'lead',      75.0, DATE '2018-09-09'),
    (10, 6, 'engineer', 75.0, DATE '2018-09-09'),
    (11, 7, 'lead',     20.0, DATE '2024-01-01'),
    (12, 7, 'engineer', 20.0, DATE '2024-01-02'),
    (13, 8, 'lead',    500.0, DATE '2016-03-01'),
    (13, 11, 'advisor',  8.0, NULL),
    (14, 8, 'engineer', 450.0, DATE '2017-06-15'),
    (15, 9, 'lead',      4.0, DATE '2021-07-07'),
    (16, 9, 'engineer',  4.0, DATE '2021-07-07'),
    (3, 12, 'lead',     15.0, DATE '2022-10-10'),
    (19, 12, 'engineer', 30.0, DATE '2022-10-11'),
    (20, 12, 'engineer', 25.5, DATE '2022-10-12'),
    (1, 8, 'sponsor',    1.0, DATE '2016-03-01');

-- Time series for window functions: 40 rows, exactly representable float values.
CREATE TABLE measurement (
    id        integer PRIMARY KEY,
    station   text NOT NULL,
    taken_at  timestamptz NOT NULL,
    reading   double precision,
    ok        boolean
);

INSERT INTO measurement (id, station, taken_at, reading, ok)
SELECT g,
       (ARRAY['north', 'south', 'east', 'west'])[1 + g % 4],
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g * INTERVAL '90 minutes'),
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 37 % 50) * 0.25 END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE g % 3 <> 0 END
FROM generate_series(1, 40) AS g;

-- Free text with awkward characters.
CREATE TABLE note (
    note_id  integer PRIMARY KEY,
    emp_id   integer REFERENCES employee (emp_id),
    body     text,
    lang     text COLLATE "C",
    written  timestamp,
    pinned   boolean
);

INSERT INTO note VALUES
    (1,  1,    'It''s a "test"; with semicolons; and -- dashes', 'en', TIMESTAMP '2024-01-01 10:00:00', true),
    (2,  2,    E'Line one\nLine two\ttabbed', 'en', TIMESTAMP '2024-01-02 11:30:00', false),
    (3,  3,    'Ünïcødé: café, naïve, 日本語, emoji 🎉', 'fr', TIMESTAMP '2024-01-03 12:45:00', NULL),
    (4,  4,    '/* not a comment */ and $$ not dollar $$', 'en', TIMESTAMP '2024-01-04 00:00:00', true),
    (5,  5,    'back\slash and 100% of _under_scores', 'en', TIMESTAMP '2024-01-05 23:59:59', false),
    (6,  NULL, NULL, NULL, NULL, NULL),
    (7,  7,    '', 'xx', TIMESTAMP '2024-02-29 12:00:00', true),
    (8,  8,    'UPPER lower MiXeD', 'de', TIMESTAMP '2024-03-01 08:00:00', false),
    (9,  9,    '   padded   ', 'en', TIMESTAMP '2024-03-02 09:00:00', false),
    (10, 11,   'abc123def456', 'ja', TIMESTAMP '2024-03-03 03:03:03', true),
    (11, 12,   'xxhelloxx', 'nl', TIMESTAMP '2024-03-04 04:04:04', NULL),
    (12, 13,   'a.b.c', 'en', TIMESTAMP '2024-03-05 05:05:05', true);

-- Identifiers that need quoting: keywords, mixed case, embedded quotes and spaces.
CREATE TABLE "Weird Table" (
    "select"      integer PRIMARY KEY,
    "Mixed Case"  text,
    "quo""te"     text,
    "from"        integer,
    "user"        text,
    "Ünï"         integer
);

INSERT INTO "Weird Table" VALUES
    (1, 'One',   'a"b', 10, 'u1', 100),
    (2, 'Two',   NULL,  20, 'u2', 200),
    (3, 'Three', '''',  NULL, NULL, 300),
    (4, NULL,    'x',   40, 'u4', NULL);

-- Inheritance (FROM ONLY).
CREATE TABLE animal (
    animal_id  integer PRIMARY KEY,
    name       text NOT NULL,
    legs       integer NOT NULL
);
CREATE TABLE dog (
    good_boy   boolean NOT NULL DEFAULT true
) INHERITS (animal);

INSERT INTO animal VALUES (1, 'spider', 8), (2, 'snake', 0), (3, 'bird', 2);
INSERT INTO dog (animal_id, name, legs, good_boy) VALUES (10, 'rex', 4, true), (11, 'fido', 4, false), (12, 'tripod', 3, true);

-- Small numeric table for arithmetic and set operations.
CREATE TABLE num (
    n    integer PRIMARY KEY,
    sq   bigint,
    half numeric,
    f    real,
    odd  boolean
);

INSERT INTO num SELECT g, g::bigint * g, g / 2.0, g * 0.5, g % 2 = 1 FROM generate_series(-5, 15) AS g;

-- Plain views and functions used by the statements.
CREATE VIEW active_employee AS
SELECT emp_id, dept_id, first_name, last_name, salary FROM employee WHERE active;

CREATE FUNCTION emp_projects(p_emp integer)
RETURNS TABLE (proj_id integer, proj_name text, hours numeric)
LANGUAGE sql STABLE AS $fn$
    SELECT p.proj_id, p.name, a.hours
    FROM assignment a JOIN project p ON p.proj_id = a.proj_id
    WHERE a.emp_id = p_emp
$fn$;

CREATE FUNCTION add_all(VARIADIC nums integer[]) RETURNS integer
LANGUAGE sql IMMUTABLE AS 'SELECT coalesce(sum(x), 0)::integer FROM unnest(nums) AS x';

CREATE FUNCTION greet(name text, greeting text DEFAULT 'Hello', punct text DEFAULT '!') RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT greeting || ', ' || name || punct $$;

CREATE FUNCTION pairs(n integer) RETURNS SETOF record
LANGUAGE sql IMMUTABLE AS $$ SELECT g, g * g FROM generate_series(1, n) AS g $$;

CREATE SCHEMA corpus_extra;
CREATE TABLE corpus_extra.setting (
    key    text PRIMARY KEY,
    value  text NOT NULL
);
INSERT INTO corpus_extra.setting VALUES ('mode', 'strict'), ('level', '3'), ('empty', '');

-- Columns named by keywords (some need quotes when not qualified), mixed-case objects.
CREATE TABLE kw_cols (
    id          integer PRIMARY KEY,
    "interval"  integer,
    "time"      text,
    "position"  integer,
    "char"      text,
    "value"     integer,
    "year"      integer,
    "filter"    integer,
    "over"      integer,
    "left"      integer,
    "array"     integer,
    "similar"   text,
    "collate"   text
);
INSERT INTO kw_cols VALUES
    (1, 10, 't1', 3, 'c', 100, 2024, 0, 1, 5, 7, 'sim', 'C'),
    (2, 20, NULL, 1, NULL, 200, 2023, 1, 0, 6, 8, NULL, 'POSIX'),
    (3, NULL, 't3', NULL, 'x', NULL, NULL, NULL, NULL, NULL, NULL, 'z', NULL);

CREATE TYPE "Status" AS ENUM ('On', 'Off', 'Dimmed Light');
CREATE SCHEMA "Extra Schema";
CREATE TABLE "Extra Schema"."Lamp" (
    "Id"      integer PRIMARY KEY,
    "State"   "Status" NOT NULL,
    "Watts"   numeric(5,1),
    "Room"    text
);
INSERT INTO "Extra Schema"."Lamp" VALUES (1, 'On', 60.0, 'Hall'), (2, 'Off', 40.5, 'Kitchen'), (3, 'Dimmed Light', NULL, 'Hall');

CREATE FUNCTION "Double"(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
CREATE FUNCTION "Extra Schema"."Lamps In"(room text) RETURNS SETOF "Extra Schema"."Lamp"
LANGUAGE sql STABLE AS $$ SELECT * FROM "Extra Schema"."Lamp" WHERE "Room" = room $$;
