-- op8: change one tag's slug. tv_tag: one row; tv_post: every post carrying it
-- (at scale 1, from ~23,000 posts for the most popular tag to ~900 for the least; ~2,300 on average).
\set tag random(1, 120)
\set n random(1, 1000000000)
UPDATE tb_tag SET slug = 'topic-' || :tag || '-' || :n WHERE pk_tag = :tag;
