-- op4: rename one user. tv_user: one row; their ~50 comments in tv_comment and the posts
-- embedding those comments; their ~10 posts in tv_post (scale-independent averages).
\set user random(1, :users)
\set n random(1, 1000000000)
UPDATE tb_user SET name = 'Renamed ' || :n WHERE pk_user = :user;
