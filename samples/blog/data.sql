-- Deterministic data for schema.sql: psql -v scale=1 -f data.sql
-- scale 1 = 10,000 users, 100,000 posts (one in seven a draft), about 500,000 comments,
-- 120 tags and about 280,000 post-tag links; 10000 x scale must be a whole number.
-- Every value comes from generate_series and random() after setseed, so the same scale
-- gives the same rows on every run (keys included: the tables are expected to be empty).
\if :{?scale}
\else
\set scale 1
\endif
SELECT (10000 * :scale)::int AS users, (100000 * :scale)::int AS posts, 120 AS tags \gset
DO $$ BEGIN PERFORM setseed(0.1337); END $$;  -- quietly: psql would print the void result

INSERT INTO tb_user (id, handle, name, email, joined_at)
SELECT md5('user:' || g)::uuid,
       'u' || g,
       (ARRAY['Ada', 'Brian', 'Chen', 'Dagny', 'Emeka', 'Fatima', 'Goran', 'Hana', 'Ivo', 'Jun'])[1 + floor(random() * 10)::int]
           || ' ' || (ARRAY['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Silva', 'Novak', 'Byrne', 'Haddad'])[1 + floor(random() * 8)::int],
       'u' || g || '@blog.example',
       timestamptz '2019-01-01 00:00:00+00' + g * interval '37 minutes'
FROM generate_series(1, :users) AS g
ORDER BY g;

-- Tags: a fixed vocabulary whatever the scale.
INSERT INTO tb_tag (id, slug, name)
SELECT md5('tag:' || g)::uuid, 'topic-' || g, 'Topic ' || g
FROM generate_series(1, :tags) AS g
ORDER BY g;

-- Posts: random authors, created every 5 minutes, published an hour after creation unless a draft.
INSERT INTO tb_post (id, fk_author, title, body, published_at, views, created_at)
SELECT md5('post:' || s.g)::uuid, s.author, 'Post ' || s.g || ': ' || s.topic, repeat('Some words about ' || s.topic || '. ', 8),
       CASE WHEN s.g % 7 <> 0 THEN s.created + interval '1 hour' END, s.views, s.created
FROM (SELECT g,
             1 + floor(random() * :users)::int AS author,
             'topic ' || (1 + floor(random() * :tags)::int) AS topic,
             floor(random() * 1000)::int AS views,
             timestamptz '2021-01-01 00:00:00+00' + g * interval '5 minutes' AS created
      FROM generate_series(1, :posts) AS g) AS s
ORDER BY s.g;

-- Comments: about five per post, on random posts by random users.
INSERT INTO tb_comment (id, fk_post, fk_author, body, posted_at)
SELECT md5('comment:' || s.g)::uuid, s.post, s.author, 'Comment ' || s.g || ' on post ' || s.post,
       timestamptz '2021-01-01 00:00:00+00' + s.post * interval '5 minutes' + s.g * interval '1 second'
FROM (SELECT g, 1 + floor(random() * :posts)::int AS post, 1 + floor(random() * :users)::int AS author
      FROM generate_series(1, 5 * :posts) AS g) AS s
ORDER BY s.g;

-- Up to four tags per post, low-numbered tags far more popular than the others.
INSERT INTO tb_post_tag (fk_post, fk_tag)
SELECT p, 1 + floor(:tags * random() ^ 2)::int
FROM generate_series(1, :posts) AS p, generate_series(1, 4) AS k
WHERE random() < 0.7
ON CONFLICT DO NOTHING;

ANALYZE;
