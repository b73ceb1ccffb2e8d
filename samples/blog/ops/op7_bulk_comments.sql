-- op7: one statement adds 10,000 comments spread over the posts (fewer if op5 deleted some).
-- tv_comment: 10,000 rows; tv_post: the posts they land on; tv_user: their authors.
\set shift random(0, 1000000000000)
INSERT INTO tb_comment (id, fk_post, fk_author, body, posted_at)
SELECT md5('op7:' || :shift || ':' || g)::uuid, p.pk_post, 1 + (g * 13 + :shift) % :users, 'Bulk comment ' || :shift || '/' || g, p.created_at + interval '2 days'
FROM generate_series(1, 10000) AS g
JOIN tb_post p ON p.pk_post = 1 + (g * 7919 + :shift) % :posts;
