-- Read models of the sample: one row per order, with its customer and line total, kept exact at every commit.
CREATE TABLE tv_order AS
SELECT o.pk_order, o.fk_customer,
       jsonb_build_object('customer', c.name,
                          'total', COALESCE((SELECT sum(l.quantity * l.price) FROM tb_order_line l WHERE l.fk_order = o.pk_order), 0)) AS data
FROM tb_order o JOIN tb_customer c ON c.pk_customer = o.fk_customer;
