-- The yardstick for `tviews bench`: the four read models of tviews.sql kept up to date by
-- hand-written statement-level triggers, as an engineer would write them for exactly these views.
-- Load it after schema.sql and data.sql, instead of applying tviews.sql. Every trigger works on
-- the statement's transition tables: it finds the keys whose rows may have changed (comparing old
-- and new rows on the columns a view reads, so an update of anything else costs nothing more)
-- and recomputes only those, writing a row only when its value changed.

-- The tables, built from the definitions; each indexed before a later one reads it.
CREATE TABLE tv_comment AS
SELECT c.pk_comment, c.id, c.fk_post, c.fk_author,
       jsonb_build_object('id', c.id, 'body', c.body, 'postedAt', c.posted_at,
                          'author', jsonb_build_object('id', a.id, 'handle', a.handle, 'name', a.name)) AS data
FROM tb_comment c JOIN tb_user a ON a.pk_user = c.fk_author;
ALTER TABLE tv_comment ADD PRIMARY KEY (pk_comment);
CREATE INDEX ON tv_comment (fk_post);
ANALYZE tv_comment;

CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_author,
       jsonb_build_object(
           'id', p.id, 'title', p.title, 'body', p.body, 'publishedAt', p.published_at,
           'author', jsonb_build_object('id', a.id, 'handle', a.handle, 'name', a.name),
           'tags', COALESCE((SELECT jsonb_agg(t.slug ORDER BY t.slug) FROM tb_post_tag pt JOIN tb_tag t ON t.pk_tag = pt.fk_tag
                             WHERE pt.fk_post = p.pk_post), '[]'::jsonb),
           'commentCount', (SELECT count(*) FROM tv_comment c WHERE c.fk_post = p.pk_post),
           'comments', COALESCE((SELECT jsonb_agg(c.data ORDER BY c.pk_comment) FROM tv_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb)
       ) AS data
FROM tb_post p JOIN tb_user a ON a.pk_user = p.fk_author;
ALTER TABLE tv_post ADD PRIMARY KEY (pk_post);
CREATE INDEX ON tv_post (fk_author);
ANALYZE tv_post;

CREATE TABLE tv_user AS
SELECT u.pk_user, u.id, u.handle,
       jsonb_build_object('id', u.id, 'handle', u.handle, 'name', u.name, 'email', u.email,
                          'published', count(p.pk_post) FILTER (WHERE p.published_at IS NOT NULL),
                          'drafts', count(p.pk_post) FILTER (WHERE p.published_at IS NULL),
                          'comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_author = u.pk_user)) AS data
FROM tb_user u LEFT JOIN tb_post p ON p.fk_author = u.pk_user
GROUP BY u.pk_user, u.id, u.handle, u.name, u.email;
ALTER TABLE tv_user ADD PRIMARY KEY (pk_user);
ANALYZE tv_user;

CREATE TABLE tv_tag AS
SELECT t.pk_tag, t.id, t.slug,
       jsonb_build_object('id', t.id, 'slug', t.slug, 'name', t.name, 'posts', count(pt.fk_post)) AS data
FROM tb_tag t LEFT JOIN tb_post_tag pt ON pt.fk_tag = t.pk_tag
GROUP BY t.pk_tag, t.id, t.slug, t.name;
ALTER TABLE tv_tag ADD PRIMARY KEY (pk_tag);
ANALYZE tv_tag;

-- Recomputing given keys: drop the rows whose source row is gone, upsert the others where
-- they differ. The joined user always exists (foreign keys), so the key's own table decides.

CREATE FUNCTION hw_refresh_comment(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    DELETE FROM tv_comment v WHERE v.pk_comment = ANY (keys)
        AND NOT EXISTS (SELECT 1 FROM tb_comment c WHERE c.pk_comment = v.pk_comment);
    INSERT INTO tv_comment AS v (pk_comment, id, fk_post, fk_author, data)
    SELECT c.pk_comment, c.id, c.fk_post, c.fk_author,
           jsonb_build_object('id', c.id, 'body', c.body, 'postedAt', c.posted_at,
                              'author', jsonb_build_object('id', a.id, 'handle', a.handle, 'name', a.name))
    FROM tb_comment c JOIN tb_user a ON a.pk_user = c.fk_author
    WHERE c.pk_comment = ANY (keys)
    ON CONFLICT (pk_comment) DO UPDATE
        SET id = excluded.id, fk_post = excluded.fk_post, fk_author = excluded.fk_author, data = excluded.data
        WHERE (v.id, v.fk_post, v.fk_author, v.data) IS DISTINCT FROM (excluded.id, excluded.fk_post, excluded.fk_author, excluded.data);
END $$;

CREATE FUNCTION hw_refresh_post(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    DELETE FROM tv_post v WHERE v.pk_post = ANY (keys)
        AND NOT EXISTS (SELECT 1 FROM tb_post p WHERE p.pk_post = v.pk_post);
    INSERT INTO tv_post AS v (pk_post, id, fk_author, data)
    SELECT p.pk_post, p.id, p.fk_author,
           jsonb_build_object(
               'id', p.id, 'title', p.title, 'body', p.body, 'publishedAt', p.published_at,
               'author', jsonb_build_object('id', a.id, 'handle', a.handle, 'name', a.name),
               'tags', COALESCE((SELECT jsonb_agg(t.slug ORDER BY t.slug) FROM tb_post_tag pt JOIN tb_tag t ON t.pk_tag = pt.fk_tag
                                 WHERE pt.fk_post = p.pk_post), '[]'::jsonb),
               'commentCount', (SELECT count(*) FROM tv_comment c WHERE c.fk_post = p.pk_post),
               'comments', COALESCE((SELECT jsonb_agg(c.data ORDER BY c.pk_comment) FROM tv_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb))
    FROM tb_post p JOIN tb_user a ON a.pk_user = p.fk_author
    WHERE p.pk_post = ANY (keys)
    ON CONFLICT (pk_post) DO UPDATE
        SET id = excluded.id, fk_author = excluded.fk_author, data = excluded.data
        WHERE (v.id, v.fk_author, v.data) IS DISTINCT FROM (excluded.id, excluded.fk_author, excluded.data);
END $$;

CREATE FUNCTION hw_refresh_user(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    DELETE FROM tv_user v WHERE v.pk_user = ANY (keys)
        AND NOT EXISTS (SELECT 1 FROM tb_user u WHERE u.pk_user = v.pk_user);
    INSERT INTO tv_user AS v (pk_user, id, handle, data)
    SELECT u.pk_user, u.id, u.handle,
           jsonb_build_object('id', u.id, 'handle', u.handle, 'name', u.name, 'email', u.email,
                              'published', (SELECT count(*) FROM tb_post p WHERE p.fk_author = u.pk_user AND p.published_at IS NOT NULL),
                              'drafts', (SELECT count(*) FROM tb_post p WHERE p.fk_author = u.pk_user AND p.published_at IS NULL),
                              'comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_author = u.pk_user))
    FROM tb_user u
    WHERE u.pk_user = ANY (keys)
    ON CONFLICT (pk_user) DO UPDATE
        SET id = excluded.id, handle = excluded.handle, data = excluded.data
        WHERE (v.id, v.handle, v.data) IS DISTINCT FROM (excluded.id, excluded.handle, excluded.data);
END $$;

CREATE FUNCTION hw_refresh_tag(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    DELETE FROM tv_tag v WHERE v.pk_tag = ANY (keys)
        AND NOT EXISTS (SELECT 1 FROM tb_tag t WHERE t.pk_tag = v.pk_tag);
    INSERT INTO tv_tag AS v (pk_tag, id, slug, data)
    SELECT t.pk_tag, t.id, t.slug,
           jsonb_build_object('id', t.id, 'slug', t.slug, 'name', t.name,
                              'posts', (SELECT count(*) FROM tb_post_tag pt WHERE pt.fk_tag = t.pk_tag))
    FROM tb_tag t
    WHERE t.pk_tag = ANY (keys)
    ON CONFLICT (pk_tag) DO UPDATE
        SET id = excluded.id, slug = excluded.slug, data = excluded.data
        WHERE (v.id, v.slug, v.data) IS DISTINCT FROM (excluded.id, excluded.slug, excluded.data);
END $$;

-- tb_user: its own row in tv_user; the author of comments and posts.
CREATE FUNCTION hw_user_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_user(ARRAY(SELECT pk_user FROM hw_new));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_user_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    authors bigint[];
BEGIN
    PERFORM hw_refresh_user((SELECT array_agg(DISTINCT pk_user) FROM (
        (SELECT pk_user, id, handle, name, email FROM hw_old EXCEPT SELECT pk_user, id, handle, name, email FROM hw_new)
        UNION ALL
        (SELECT pk_user, id, handle, name, email FROM hw_new EXCEPT SELECT pk_user, id, handle, name, email FROM hw_old)) d));
    -- What comments and posts show of their author.
    authors := (SELECT array_agg(DISTINCT pk_user) FROM (
        (SELECT pk_user, id, handle, name FROM hw_old EXCEPT SELECT pk_user, id, handle, name FROM hw_new)
        UNION ALL
        (SELECT pk_user, id, handle, name FROM hw_new EXCEPT SELECT pk_user, id, handle, name FROM hw_old)) d);
    IF authors IS NOT NULL THEN
        PERFORM hw_refresh_comment(ARRAY(SELECT pk_comment FROM tb_comment WHERE fk_author = ANY (authors)));
        PERFORM hw_refresh_post(ARRAY(SELECT pk_post FROM tb_post WHERE fk_author = ANY (authors)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hw_user_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Their posts and comments go by cascade, through the triggers of those tables.
    PERFORM hw_refresh_user(ARRAY(SELECT pk_user FROM hw_old));
    RETURN NULL;
END $$;

-- tb_post: its row in tv_post; the counts of its author in tv_user.
CREATE FUNCTION hw_post_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post(ARRAY(SELECT pk_post FROM hw_new));
    PERFORM hw_refresh_user(ARRAY(SELECT DISTINCT fk_author FROM hw_new));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_post_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post((SELECT array_agg(DISTINCT pk_post) FROM (
        (SELECT pk_post, id, fk_author, title, body, published_at FROM hw_old
         EXCEPT SELECT pk_post, id, fk_author, title, body, published_at FROM hw_new)
        UNION ALL
        (SELECT pk_post, id, fk_author, title, body, published_at FROM hw_new
         EXCEPT SELECT pk_post, id, fk_author, title, body, published_at FROM hw_old)) d));
    -- The counts depend on the multiset of (author, draft or not) only.
    PERFORM hw_refresh_user((SELECT array_agg(DISTINCT fk_author) FROM (
        (SELECT fk_author, published_at IS NULL FROM hw_old EXCEPT ALL SELECT fk_author, published_at IS NULL FROM hw_new)
        UNION ALL
        (SELECT fk_author, published_at IS NULL FROM hw_new EXCEPT ALL SELECT fk_author, published_at IS NULL FROM hw_old)) d));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_post_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post(ARRAY(SELECT pk_post FROM hw_old));
    PERFORM hw_refresh_user(ARRAY(SELECT DISTINCT fk_author FROM hw_old));
    RETURN NULL;
END $$;

-- tb_comment: its row in tv_comment (whose own triggers reach tv_post); its author's count.
CREATE FUNCTION hw_comment_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_comment(ARRAY(SELECT pk_comment FROM hw_new));
    PERFORM hw_refresh_user(ARRAY(SELECT DISTINCT fk_author FROM hw_new));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_comment_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_comment((SELECT array_agg(DISTINCT pk_comment) FROM (
        (SELECT pk_comment, id, fk_post, fk_author, body, posted_at FROM hw_old
         EXCEPT SELECT pk_comment, id, fk_post, fk_author, body, posted_at FROM hw_new)
        UNION ALL
        (SELECT pk_comment, id, fk_post, fk_author, body, posted_at FROM hw_new
         EXCEPT SELECT pk_comment, id, fk_post, fk_author, body, posted_at FROM hw_old)) d));
    PERFORM hw_refresh_user((SELECT array_agg(DISTINCT fk_author) FROM (
        (SELECT fk_author FROM hw_old EXCEPT ALL SELECT fk_author FROM hw_new)
        UNION ALL
        (SELECT fk_author FROM hw_new EXCEPT ALL SELECT fk_author FROM hw_old)) d));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_comment_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_comment(ARRAY(SELECT pk_comment FROM hw_old));
    PERFORM hw_refresh_user(ARRAY(SELECT DISTINCT fk_author FROM hw_old));
    RETURN NULL;
END $$;

-- tb_tag: its row in tv_tag; the slugs shown by the posts carrying it.
CREATE FUNCTION hw_tag_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_tag(ARRAY(SELECT pk_tag FROM hw_new));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_tag_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    renamed bigint[];
BEGIN
    PERFORM hw_refresh_tag((SELECT array_agg(DISTINCT pk_tag) FROM (
        (SELECT pk_tag, id, slug, name FROM hw_old EXCEPT SELECT pk_tag, id, slug, name FROM hw_new)
        UNION ALL
        (SELECT pk_tag, id, slug, name FROM hw_new EXCEPT SELECT pk_tag, id, slug, name FROM hw_old)) d));
    renamed := (SELECT array_agg(DISTINCT pk_tag) FROM (
        (SELECT pk_tag, slug FROM hw_old EXCEPT SELECT pk_tag, slug FROM hw_new)
        UNION ALL
        (SELECT pk_tag, slug FROM hw_new EXCEPT SELECT pk_tag, slug FROM hw_old)) d);
    IF renamed IS NOT NULL THEN
        PERFORM hw_refresh_post(ARRAY(SELECT DISTINCT fk_post FROM tb_post_tag WHERE fk_tag = ANY (renamed)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hw_tag_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Its links go by cascade, through the triggers of tb_post_tag.
    PERFORM hw_refresh_tag(ARRAY(SELECT pk_tag FROM hw_old));
    RETURN NULL;
END $$;

-- tb_post_tag: the tags of a post, the post count of a tag. Inserts, updates and deletes alike.
CREATE FUNCTION hw_post_tag_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post(ARRAY(SELECT DISTINCT fk_post FROM hw_new));
    PERFORM hw_refresh_tag(ARRAY(SELECT DISTINCT fk_tag FROM hw_new));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_post_tag_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    posts bigint[];
    tags bigint[];
BEGIN
    SELECT array_agg(DISTINCT fk_post), array_agg(DISTINCT fk_tag) INTO posts, tags FROM (
        (SELECT fk_post, fk_tag FROM hw_old EXCEPT ALL SELECT fk_post, fk_tag FROM hw_new)
        UNION ALL
        (SELECT fk_post, fk_tag FROM hw_new EXCEPT ALL SELECT fk_post, fk_tag FROM hw_old)) d;
    PERFORM hw_refresh_post(posts);
    PERFORM hw_refresh_tag(tags);
    RETURN NULL;
END $$;

CREATE FUNCTION hw_post_tag_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post(ARRAY(SELECT DISTINCT fk_post FROM hw_old));
    PERFORM hw_refresh_tag(ARRAY(SELECT DISTINCT fk_tag FROM hw_old));
    RETURN NULL;
END $$;

-- tv_comment is read by tv_post: whatever changed a comment's row reaches its post from here.
CREATE FUNCTION hw_tv_comment_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post(ARRAY(SELECT DISTINCT fk_post FROM hw_new));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_tv_comment_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post((SELECT array_agg(DISTINCT fk_post) FROM (
        (SELECT pk_comment, fk_post, data FROM hw_old EXCEPT ALL SELECT pk_comment, fk_post, data FROM hw_new)
        UNION ALL
        (SELECT pk_comment, fk_post, data FROM hw_new EXCEPT ALL SELECT pk_comment, fk_post, data FROM hw_old)) d));
    RETURN NULL;
END $$;

CREATE FUNCTION hw_tv_comment_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hw_refresh_post(ARRAY(SELECT DISTINCT fk_post FROM hw_old));
    RETURN NULL;
END $$;

-- TRUNCATE only ever removes rows: recompute every row the read models reading the table hold.
CREATE FUNCTION hw_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME IN ('tb_comment', 'tb_user') THEN
        PERFORM hw_refresh_comment(ARRAY(SELECT pk_comment FROM tv_comment));
    END IF;
    IF TG_TABLE_NAME IN ('tb_post', 'tb_user', 'tb_post_tag', 'tb_tag') THEN
        PERFORM hw_refresh_post(ARRAY(SELECT pk_post FROM tv_post));
    END IF;
    IF TG_TABLE_NAME IN ('tb_user', 'tb_post', 'tb_comment') THEN
        PERFORM hw_refresh_user(ARRAY(SELECT pk_user FROM tv_user));
    END IF;
    IF TG_TABLE_NAME IN ('tb_tag', 'tb_post_tag') THEN
        PERFORM hw_refresh_tag(ARRAY(SELECT pk_tag FROM tv_tag));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER hw_ins AFTER INSERT ON tb_user REFERENCING NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_user_ins();
CREATE TRIGGER hw_upd AFTER UPDATE ON tb_user REFERENCING OLD TABLE AS hw_old NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_user_upd();
CREATE TRIGGER hw_del AFTER DELETE ON tb_user REFERENCING OLD TABLE AS hw_old FOR EACH STATEMENT EXECUTE FUNCTION hw_user_del();

CREATE TRIGGER hw_ins AFTER INSERT ON tb_post REFERENCING NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_post_ins();
CREATE TRIGGER hw_upd AFTER UPDATE ON tb_post REFERENCING OLD TABLE AS hw_old NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_post_upd();
CREATE TRIGGER hw_del AFTER DELETE ON tb_post REFERENCING OLD TABLE AS hw_old FOR EACH STATEMENT EXECUTE FUNCTION hw_post_del();

CREATE TRIGGER hw_ins AFTER INSERT ON tb_comment REFERENCING NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_comment_ins();
CREATE TRIGGER hw_upd AFTER UPDATE ON tb_comment REFERENCING OLD TABLE AS hw_old NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_comment_upd();
CREATE TRIGGER hw_del AFTER DELETE ON tb_comment REFERENCING OLD TABLE AS hw_old FOR EACH STATEMENT EXECUTE FUNCTION hw_comment_del();

CREATE TRIGGER hw_ins AFTER INSERT ON tb_tag REFERENCING NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_tag_ins();
CREATE TRIGGER hw_upd AFTER UPDATE ON tb_tag REFERENCING OLD TABLE AS hw_old NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_tag_upd();
CREATE TRIGGER hw_del AFTER DELETE ON tb_tag REFERENCING OLD TABLE AS hw_old FOR EACH STATEMENT EXECUTE FUNCTION hw_tag_del();

CREATE TRIGGER hw_ins AFTER INSERT ON tb_post_tag REFERENCING NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_post_tag_ins();
CREATE TRIGGER hw_upd AFTER UPDATE ON tb_post_tag REFERENCING OLD TABLE AS hw_old NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_post_tag_upd();
CREATE TRIGGER hw_del AFTER DELETE ON tb_post_tag REFERENCING OLD TABLE AS hw_old FOR EACH STATEMENT EXECUTE FUNCTION hw_post_tag_del();

CREATE TRIGGER hw_ins AFTER INSERT ON tv_comment REFERENCING NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_tv_comment_ins();
CREATE TRIGGER hw_upd AFTER UPDATE ON tv_comment REFERENCING OLD TABLE AS hw_old NEW TABLE AS hw_new FOR EACH STATEMENT EXECUTE FUNCTION hw_tv_comment_upd();
CREATE TRIGGER hw_del AFTER DELETE ON tv_comment REFERENCING OLD TABLE AS hw_old FOR EACH STATEMENT EXECUTE FUNCTION hw_tv_comment_del();

CREATE TRIGGER hw_tru AFTER TRUNCATE ON tb_user FOR EACH STATEMENT EXECUTE FUNCTION hw_truncated();
CREATE TRIGGER hw_tru AFTER TRUNCATE ON tb_post FOR EACH STATEMENT EXECUTE FUNCTION hw_truncated();
CREATE TRIGGER hw_tru AFTER TRUNCATE ON tb_comment FOR EACH STATEMENT EXECUTE FUNCTION hw_truncated();
CREATE TRIGGER hw_tru AFTER TRUNCATE ON tb_tag FOR EACH STATEMENT EXECUTE FUNCTION hw_truncated();
CREATE TRIGGER hw_tru AFTER TRUNCATE ON tb_post_tag FOR EACH STATEMENT EXECUTE FUNCTION hw_truncated();
