-- The concurrent mix "with deletes": a comment on a post of the lower half, which the mix never
-- deletes (so no FK error stops a client). tv_comment, its post in tv_post, its author in tv_user.
\set post random(1, :posts / 2)
\set user random(1, :users)
\set n random(1, 1000000000000000)
INSERT INTO tb_comment (id, fk_post, fk_author, body, posted_at)
SELECT md5('low:' || :n)::uuid, p.pk_post, :user, 'Concurrent comment ' || :n, p.created_at + interval '1 day'
FROM tb_post p WHERE p.pk_post = :post;
