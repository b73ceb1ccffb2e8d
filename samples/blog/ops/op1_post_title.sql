-- op1: retitle one post. tv_post: one row.
\set post random(1, :posts)
\set n random(1, 1000000000)
UPDATE tb_post SET title = 'Retitled ' || :n WHERE pk_post = :post;
