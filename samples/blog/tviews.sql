-- The read models of the sample blog, in dependency order, each a
-- "CREATE TABLE tv_<entity> AS <select>" keyed by its pk_<entity> column.
-- Apply with: tviews apply samples/blog/tviews.sql

-- A comment with its author: a flat join.
CREATE TABLE tv_comment AS
SELECT c.pk_comment, c.id, c.fk_post, c.fk_author,
       jsonb_build_object(
           'id', c.id,
           'body', c.body,
           'postedAt', c.posted_at,
           'author', jsonb_build_object('id', a.id, 'handle', a.handle, 'name', a.name)
       ) AS data
FROM tb_comment c
JOIN tb_user a ON a.pk_user = c.fk_author;

-- A post as the page shows it: author, tag slugs (many-to-many) and its comments
-- taken from tv_comment, so renaming a user reaches tv_comment, then tv_post.
CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_author,
       jsonb_build_object(
           'id', p.id,
           'title', p.title,
           'body', p.body,
           'publishedAt', p.published_at,
           'author', jsonb_build_object('id', a.id, 'handle', a.handle, 'name', a.name),
           'tags', COALESCE((SELECT jsonb_agg(t.slug ORDER BY t.slug)
                             FROM tb_post_tag pt
                             JOIN tb_tag t ON t.pk_tag = pt.fk_tag
                             WHERE pt.fk_post = p.pk_post), '[]'::jsonb),
           'commentCount', (SELECT count(*) FROM tv_comment c WHERE c.fk_post = p.pk_post),
           'comments', COALESCE((SELECT jsonb_agg(c.data ORDER BY c.pk_comment)
                                 FROM tv_comment c
                                 WHERE c.fk_post = p.pk_post), '[]'::jsonb)
       ) AS data
FROM tb_post p
JOIN tb_user a ON a.pk_user = p.fk_author;

-- A user's profile: posts counted by grouping, comments by a correlated count.
CREATE TABLE tv_user AS
SELECT u.pk_user, u.id, u.handle,
       jsonb_build_object(
           'id', u.id,
           'handle', u.handle,
           'name', u.name,
           'email', u.email,
           'published', count(p.pk_post) FILTER (WHERE p.published_at IS NOT NULL),
           'drafts', count(p.pk_post) FILTER (WHERE p.published_at IS NULL),
           'comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_author = u.pk_user)
       ) AS data
FROM tb_user u
LEFT JOIN tb_post p ON p.fk_author = u.pk_user
GROUP BY u.pk_user, u.id, u.handle, u.name, u.email;

-- A tag with the number of posts carrying it: grouped counts over the link table.
CREATE TABLE tv_tag AS
SELECT t.pk_tag, t.id, t.slug,
       jsonb_build_object('id', t.id, 'slug', t.slug, 'name', t.name, 'posts', count(pt.fk_post)) AS data
FROM tb_tag t
LEFT JOIN tb_post_tag pt ON pt.fk_tag = t.pk_tag
GROUP BY t.pk_tag, t.id, t.slug, t.name;
