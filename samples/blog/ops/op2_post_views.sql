-- op2: count a view of one post. No read model reads views: nothing to maintain.
\set post random(1, :posts)
UPDATE tb_post SET views = views + 1 WHERE pk_post = :post;
