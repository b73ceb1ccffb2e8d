-- op6: one statement publishes or unpublishes up to 10,000 consecutive posts (drafts become
-- published, published posts become drafts). tv_post: those rows; tv_user: their authors.
\set first random(1, greatest(1, :posts - 9999))
UPDATE tb_post SET published_at = CASE WHEN published_at IS NULL THEN created_at + interval '2 hours' END
WHERE pk_post BETWEEN :first AND :first + 9999;
