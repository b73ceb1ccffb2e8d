-- The sample's tables (the test creates them before starting the sample instances).
CREATE TABLE tb_customer (pk_customer bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_order (pk_order bigint PRIMARY KEY, fk_customer bigint NOT NULL REFERENCES tb_customer);
CREATE INDEX ON tb_order (fk_customer);
CREATE TABLE tb_order_line (pk_order_line bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            fk_order bigint NOT NULL REFERENCES tb_order, quantity int NOT NULL, price numeric(10, 2) NOT NULL);
CREATE INDEX ON tb_order_line (fk_order);
INSERT INTO tb_customer VALUES (1, 'Ada'), (2, 'Brian');
INSERT INTO tb_order VALUES (1, 1), (2, 2);
INSERT INTO tb_order_line (fk_order, quantity, price) VALUES (1, 2, 10.00), (2, 1, 5.00);
