-- op3: one new comment. tv_comment: one row; its post in tv_post; its author's count in tv_user.
-- Written as INSERT ... SELECT so a post deleted by op5 makes it insert nothing instead of failing;
-- every value comes from pgbench's seeded random numbers, so each mode gets the same rows.
\set post random(1, :posts)
\set user random(1, :users)
\set n random(1, 1000000000000000)
INSERT INTO tb_comment (id, fk_post, fk_author, body, posted_at)
SELECT md5('op3:' || :n)::uuid, p.pk_post, :user, 'Bench comment ' || :n, p.created_at + interval '1 day'
FROM tb_post p WHERE p.pk_post = :post;
