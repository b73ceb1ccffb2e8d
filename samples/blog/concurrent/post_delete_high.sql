-- The concurrent mix "with deletes": delete a post of the upper half; its comments and tag links go
-- by cascade. Reaches tv_post, then tv_comment through the cascade: the other order from a comment insert.
\set post random(:posts / 2 + 1, :posts)
DELETE FROM tb_post WHERE pk_post = :post;
