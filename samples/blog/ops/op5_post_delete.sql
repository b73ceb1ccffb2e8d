-- op5: delete one post; its ~5 comments and its tag links go by cascade.
-- tv_post, tv_comment, its author and commenters in tv_user, its tags in tv_tag.
\set post random(1, :posts)
DELETE FROM tb_post WHERE pk_post = :post;
