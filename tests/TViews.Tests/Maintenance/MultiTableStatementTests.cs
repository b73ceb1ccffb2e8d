using Npgsql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// One statement that changes several tables a TVIEW reads (FK actions, writable CTEs): each
/// statement-level trigger then sees the other tables already changed. Every case here left stale
/// rows before key queries over removed rows were restricted to the path from the change to the key
/// (and probe the TVIEW itself when the key spans relations), and before counts kept from the delta
/// stopped adding to a group that a recompute in the same statement had already counted.
/// </summary>
public sealed class MultiTableStatementTests(ITestOutputHelper output)
{
    private const string TagSchema = """
        CREATE TABLE tb_item (pk_item bigserial PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_tag (id uuid PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_item_tag (fk_item bigint REFERENCES tb_item ON DELETE CASCADE,
                                  fk_tag uuid REFERENCES tb_tag ON DELETE CASCADE,
                                  PRIMARY KEY (fk_item, fk_tag));
        INSERT INTO tb_item (name) SELECT 'item ' || g FROM generate_series(1, 6) g;
        INSERT INTO tb_tag SELECT ('00000000-0000-0000-0000-00000000000' || g)::uuid, 'tag ' || g FROM generate_series(1, 4) g;
        INSERT INTO tb_item_tag SELECT i, ('00000000-0000-0000-0000-00000000000' || t)::uuid
        FROM generate_series(1, 6) i, generate_series(1, 4) t WHERE (i + t) % 2 = 0;
        """;

    private const string TagDefinitions = """
        CREATE TABLE tv_item AS
        SELECT i.pk_item, jsonb_build_object('name', i.name,
               'tags', COALESCE((SELECT jsonb_agg(t.name ORDER BY t.name) FROM tb_item_tag it JOIN tb_tag t ON t.id = it.fk_tag
                                 WHERE it.fk_item = i.pk_item), '[]'::jsonb)) AS data
        FROM tb_item i;

        CREATE TABLE tv_item_flat AS
        SELECT it.fk_item AS pk_item_flat, count(*) AS tags, string_agg(t.name, ',' ORDER BY t.name) AS names
        FROM tb_item i JOIN tb_item_tag it ON it.fk_item = i.pk_item JOIN tb_tag t ON t.id = it.fk_tag
        GROUP BY it.fk_item;
        """;

    private const string LineSchema = """
        CREATE TABLE tb_ord (pk_ord int PRIMARY KEY, category text NOT NULL);
        CREATE TABLE tb_line (pk_line int PRIMARY KEY, fk_ord int NOT NULL REFERENCES tb_ord ON DELETE CASCADE,
                              kind text NOT NULL, amount int NOT NULL);
        INSERT INTO tb_ord SELECT g, 'c' || (g % 3) FROM generate_series(1, 9) g;
        INSERT INTO tb_line SELECT g, 1 + g % 9, 'k' || (g % 4), g FROM generate_series(1, 40) g;
        """;

    private const string LineDefinitions = """
        CREATE TABLE tv_kind_total AS
        SELECT l.kind AS pk_kind_total, sum(l.amount) AS total, count(*) AS lines
        FROM tb_line l JOIN tb_ord o ON o.pk_ord = l.fk_ord
        GROUP BY l.kind;

        CREATE TABLE tv_category_total AS
        SELECT o.category AS pk_category_total, sum(l.amount) AS total
        FROM tb_line l JOIN tb_ord o ON o.pk_ord = l.fk_ord
        GROUP BY o.category;
        """;

    private const string AddressSchema = """
        CREATE TABLE tb_addr (pk_addr int PRIMARY KEY, city text NOT NULL);
        CREATE TABLE tb_cust_ord (pk_cust_ord int PRIMARY KEY, cust text NOT NULL,
                                  fk_addr int REFERENCES tb_addr ON DELETE SET NULL ON UPDATE CASCADE);
        INSERT INTO tb_addr SELECT g, 'city ' || g FROM generate_series(1, 5) g;
        INSERT INTO tb_cust_ord SELECT g, 'cust ' || (g % 4), 1 + g % 5 FROM generate_series(1, 20) g;
        """;

    private const string AddressDefinitions = """
        -- tviews:key=cust,city
        CREATE TABLE tv_cust_city AS
        SELECT DISTINCT o.cust, a.city
        FROM tb_cust_ord o JOIN tb_addr a ON a.pk_addr = o.fk_addr;
        """;

    private const string CountSchema = """
        CREATE TABLE tb_g (k text PRIMARY KEY);
        CREATE TABLE tb_d (pk_d int PRIMARY KEY, fk_g text REFERENCES tb_g ON UPDATE CASCADE ON DELETE CASCADE);
        INSERT INTO tb_g VALUES ('a'), ('b');
        INSERT INTO tb_d VALUES (1, 'a'), (2, 'a'), (3, 'b');
        """;

    private const string CountDefinitions = """
        CREATE TABLE tv_g AS
        SELECT g.k, count(d.pk_d) AS n
        FROM tb_g g LEFT JOIN tb_d d ON d.fk_g = g.k
        GROUP BY g.k;
        """;

    private const string AntiJoinSchema = """
        CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE, title text NOT NULL);
        INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 6) g;
        INSERT INTO tb_post SELECT g, 1 + g % 4, 'post ' || g FROM generate_series(1, 12) g;
        """;

    private const string AntiJoinDefinitions = """
        CREATE TABLE tv_idle_user AS
        SELECT u.pk_user AS pk_idle_user, u.name
        FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user
        WHERE p.pk_post IS NULL;
        """;

    private async Task RunAsync(string name, string schema, string definitions, params string[] statements)
    {
        await using var db = await WorkloadDatabase.CreateAsync(name, schema, definitions, output.WriteLine);
        foreach (var sql in statements)
        {
            await using (var cmd = new NpgsqlCommand(sql, db.Connection)) await cmd.ExecuteNonQueryAsync();
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, $"after: {sql}");
        }
    }

    [Fact]
    public Task DeletingATagCascadesToItsLinksAndEveryItemLosesIt() =>
        RunAsync("mt_tag_cascade", TagSchema, TagDefinitions,
            "DELETE FROM tb_tag WHERE id = '00000000-0000-0000-0000-000000000002'",
            "DELETE FROM tb_item WHERE pk_item = 2",
            "DELETE FROM tb_tag");

    [Fact]
    public Task AWritableCteDeletingTagsAndTheirLinksWithoutForeignKeyActions() =>
        RunAsync("mt_tag_cte", TagSchema.Replace("ON DELETE CASCADE", ""), TagDefinitions,
            """
            WITH d AS (DELETE FROM tb_tag WHERE id = '00000000-0000-0000-0000-000000000001' RETURNING id)
            DELETE FROM tb_item_tag WHERE fk_tag IN (SELECT id FROM d)
            """,
            """
            WITH l AS (DELETE FROM tb_item_tag WHERE fk_tag = '00000000-0000-0000-0000-000000000003' RETURNING fk_tag)
            DELETE FROM tb_tag WHERE id IN (SELECT fk_tag FROM l)
            """,
            """
            WITH t AS (INSERT INTO tb_tag VALUES ('00000000-0000-0000-0000-000000000009', 'tag 9') RETURNING id)
            INSERT INTO tb_item_tag SELECT i.pk_item, t.id FROM tb_item i, t
            """);

    [Fact]
    public Task DeletingAnOrderCascadingToItsLinesMovesEveryGroupedSum() =>
        RunAsync("mt_lines", LineSchema, LineDefinitions,
            "DELETE FROM tb_ord WHERE pk_ord = 1",
            "UPDATE tb_ord SET category = 'c9' WHERE pk_ord = 2",
            "WITH o AS (DELETE FROM tb_ord WHERE pk_ord = 3 RETURNING pk_ord) DELETE FROM tb_line WHERE fk_ord IN (SELECT pk_ord FROM o)",
            "DELETE FROM tb_ord");

    [Fact]
    public Task AKeySpanningTwoTablesFollowsSetNullCascadedKeyUpdatesAndCtes() =>
        RunAsync("mt_addr", AddressSchema, AddressDefinitions,
            "DELETE FROM tb_addr WHERE pk_addr = 1",
            "UPDATE tb_addr SET pk_addr = 12, city = 'moved' WHERE pk_addr = 2",
            "WITH a AS (UPDATE tb_addr SET city = 'renamed' WHERE pk_addr = 3 RETURNING pk_addr) UPDATE tb_cust_ord SET fk_addr = NULL WHERE fk_addr IN (SELECT pk_addr FROM a)",
            "WITH o AS (DELETE FROM tb_cust_ord WHERE fk_addr = 4 RETURNING fk_addr) DELETE FROM tb_addr WHERE pk_addr IN (SELECT fk_addr FROM o)");

    [Fact]
    public Task CountsKeptFromTheDeltaAreNotCountedTwiceWhenTheGroupAndItsRowsChangeInOneStatement() =>
        RunAsync("mt_counts", CountSchema, CountDefinitions,
            "WITH g AS (INSERT INTO tb_g VALUES ('x') RETURNING k) INSERT INTO tb_d SELECT 10, k FROM g",
            "WITH d AS (INSERT INTO tb_d VALUES (11, 'y') RETURNING fk_g) INSERT INTO tb_g SELECT fk_g FROM d",
            "UPDATE tb_g SET k = 'z' WHERE k = 'a'",
            "WITH g AS (DELETE FROM tb_g WHERE k = 'b' RETURNING k) INSERT INTO tb_d VALUES (12, 'x')",
            "DELETE FROM tb_g WHERE k = 'x'");

    [Fact]
    public Task AnAntiJoinFollowsDeletesAndInsertsOnItsNullableSide() =>
        RunAsync("mt_anti", AntiJoinSchema, AntiJoinDefinitions,
            "DELETE FROM tb_post WHERE fk_user = 2",
            "INSERT INTO tb_post VALUES (100, 5, 'first post of user 5')",
            "UPDATE tb_post SET fk_user = 6 WHERE fk_user = 3",
            "DELETE FROM tb_user WHERE pk_user = 1");

    [Fact]
    public async Task TheConsistencyCheckIsNotBlindedByColumnsNamedLikeItsAliases()
    {
        const string schema = "CREATE TABLE tb_vt (pk_vt int PRIMARY KEY, v text, t int); INSERT INTO tb_vt VALUES (1, 'a', 1), (2, NULL, 2);";
        const string definition = "CREATE TABLE tv_vt AS SELECT pk_vt, v, t FROM tb_vt;";
        await using var db = await WorkloadDatabase.CreateAsync("mt_checker", schema, definition, output.WriteLine);
        var engine = new TViews.Runtime.TViewsEngine(db.ConnectionString);
        Assert.Empty(await engine.VerifyAsync(["vt"]));
        await using (var cmd = new NpgsqlCommand("UPDATE tv_vt SET t = 99 WHERE pk_vt = 2", db.Connection)) await cmd.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_tviews_check_consistency('vt')", db.Connection))
            Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!); // one missing, one extra
        var divergences = await engine.VerifyAsync(["vt"]);
        Assert.NotEmpty(divergences);
        Assert.Contains(await Oracle.DifferencesAsync(db.Connection, "tv_vt", "SELECT pk_vt, v, t FROM tb_vt"), d => d.Contains("99", StringComparison.Ordinal));
    }

    private const string AuditSchema = """
        CREATE TABLE tb_account (pk_account int PRIMARY KEY, owner text NOT NULL);
        CREATE TABLE tb_entry (pk_entry int PRIMARY KEY, fk_account int NOT NULL REFERENCES tb_account ON DELETE CASCADE ON UPDATE CASCADE, amount int NOT NULL);
        CREATE TABLE tb_balance (fk_account int PRIMARY KEY REFERENCES tb_account ON DELETE CASCADE ON UPDATE CASCADE, total int NOT NULL);
        -- A user trigger keeping another source table: each entry moves its account's balance row.
        CREATE FUNCTION keep_balance() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE tb_balance SET total = total - OLD.amount WHERE fk_account = OLD.fk_account;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO tb_balance VALUES (NEW.fk_account, NEW.amount)
                ON CONFLICT (fk_account) DO UPDATE SET total = tb_balance.total + NEW.amount;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER keep_balance AFTER INSERT OR UPDATE OR DELETE ON tb_entry FOR EACH ROW EXECUTE FUNCTION keep_balance();
        INSERT INTO tb_account SELECT g, 'owner ' || (g % 3) FROM generate_series(1, 5) g;
        INSERT INTO tb_entry SELECT g, 1 + g % 5, g FROM generate_series(1, 20) g;
        """;

    private const string AuditDefinitions = """
        CREATE TABLE tv_account AS
        SELECT a.pk_account, a.owner, b.total,
               (SELECT count(*) FROM tb_entry e WHERE e.fk_account = a.pk_account) AS entries
        FROM tb_account a LEFT JOIN tb_balance b ON b.fk_account = a.pk_account;

        CREATE TABLE tv_owner AS
        SELECT a.owner AS pk_owner, sum(b.total) AS total
        FROM tb_account a JOIN tb_balance b ON b.fk_account = a.pk_account
        GROUP BY a.owner;
        """;

    [Fact]
    public Task UserTriggersUpsertsTruncateCascadeAndReinsertsInOneTransaction() =>
        RunAsync("mt_audit", AuditSchema, AuditDefinitions,
            "INSERT INTO tb_entry VALUES (100, 1, 5), (101, 2, 7)",
            "INSERT INTO tb_entry VALUES (100, 3, 9) ON CONFLICT (pk_entry) DO UPDATE SET fk_account = excluded.fk_account, amount = excluded.amount",
            "UPDATE tb_account SET owner = 'owner 9', pk_account = 9 WHERE pk_account = 4",
            "BEGIN; DELETE FROM tb_account WHERE pk_account = 2; INSERT INTO tb_account VALUES (2, 'owner 2 again'); INSERT INTO tb_entry VALUES (200, 2, 1); COMMIT",
            "WITH a AS (INSERT INTO tb_account VALUES (20, 'owner 20') RETURNING pk_account) INSERT INTO tb_entry SELECT 300, pk_account, 3 FROM a",
            "BEGIN; SAVEPOINT s; DELETE FROM tb_account WHERE pk_account = 1; ROLLBACK TO s; UPDATE tb_entry SET amount = amount + 1 WHERE fk_account = 1; COMMIT",
            "TRUNCATE tb_account CASCADE",
            "INSERT INTO tb_account VALUES (1, 'owner 1'); INSERT INTO tb_entry VALUES (1, 1, 10)");

    private const string InheritanceSchema = """
        CREATE TABLE tb_event (pk_event int NOT NULL, kind text NOT NULL, at date NOT NULL, PRIMARY KEY (pk_event, at)) PARTITION BY RANGE (at);
        CREATE TABLE tb_event_2025 PARTITION OF tb_event FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE tb_node (pk_node int PRIMARY KEY, label text NOT NULL);
        CREATE TABLE tb_special_node (extra text) INHERITS (tb_node);
        CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, label text NOT NULL);
        INSERT INTO tb_event VALUES (1, 'a', '2025-03-01');
        INSERT INTO tb_node VALUES (1, 'parent row');
        INSERT INTO tb_special_node VALUES (2, 'child row', 'x');
        """;

    [Fact]
    public async Task SourcesWhoseDescendantsWouldBeWrittenUnseenAreRefusedAndOnlyIsExact()
    {
        await using var db = await WorkloadDatabase.CreateAsync("mt_inherit", InheritanceSchema, "", output.WriteLine);
        var engine = new TViews.Runtime.TViewsEngine(db.ConnectionString);
        var partitioned = await Assert.ThrowsAnyAsync<Exception>(() => engine.CreateAsync(
            TViews.Runtime.TViewDefinition.FromSelect("tv_event", "SELECT pk_event, kind FROM ONLY tb_event")));
        Assert.Contains("partitioned table, which holds no rows of its own", partitioned.Message, StringComparison.Ordinal);
        var inherited = await Assert.ThrowsAnyAsync<Exception>(() => engine.CreateAsync(
            TViews.Runtime.TViewDefinition.FromSelect("tv_node", "SELECT pk_node, label FROM tb_node")));
        Assert.Contains("inheritance children", inherited.Message, StringComparison.Ordinal);
        Assert.Contains("line 1, column 28", inherited.Message, StringComparison.Ordinal);
        // A partition or child read directly: writes through its parent would be unseen.
        foreach (var child in new[] { "tb_event_2025", "tb_special_node" })
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => engine.CreateAsync(
                TViews.Runtime.TViewDefinition.FromSelect("tv_child", $"SELECT * FROM {child}", ["pk_" + (child == "tb_event_2025" ? "event" : "node")])));
            Assert.Contains("partition or inheritance child", e.Message, StringComparison.Ordinal);
        }
        await using (var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relname IN ('tv_event', 'tv_node')", db.Connection))
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);

        const string only = "SELECT pk_node, label FROM ONLY tb_node";
        await engine.CreateAsync(TViews.Runtime.TViewDefinition.FromSelect("tv_node", only));
        foreach (var sql in new[]
                 {
                     "UPDATE tb_node SET label = label || '!'", "INSERT INTO tb_special_node VALUES (3, 'c', 'y')",
                     "INSERT INTO tb_node VALUES (4, 'p')", "DELETE FROM tb_node WHERE pk_node IN (1, 2)", "UPDATE tb_special_node SET label = 'z'",
                 })
        {
            await using (var cmd = new NpgsqlCommand(sql, db.Connection)) await cmd.ExecuteNonQueryAsync();
            await Oracle.AssertConsistentAsync(db.Connection, [("tv_node", only)], $"after: {sql}");
        }

        // A table read without ONLY must not get children later: the DDL is refused.
        await engine.CreateAsync(TViews.Runtime.TViewDefinition.FromSelect("tv_tag", "SELECT pk_tag, label FROM tb_tag"));
        foreach (var ddl in new[] { "CREATE TABLE tb_tag_child () INHERITS (tb_tag)", "CREATE TABLE tb_loose (pk_tag int NOT NULL, label text NOT NULL); ALTER TABLE tb_loose INHERIT tb_tag" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var cmd = new NpgsqlCommand(ddl, db.Connection);
                await cmd.ExecuteNonQueryAsync();
            });
            Assert.Contains("TVIEW tag reads public.tb_tag, which this command puts in an inheritance hierarchy (child ", e.MessageText, StringComparison.Ordinal);
        }
        // A table read with ONLY may.
        await using (var cmd = new NpgsqlCommand("CREATE TABLE tb_node_child2 () INHERITS (tb_node)", db.Connection)) await cmd.ExecuteNonQueryAsync();
        // A source may not become a child either: writes through its new parent would be unseen.
        var adopted = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var cmd = new NpgsqlCommand("CREATE TABLE tb_tag_parent (pk_tag int NOT NULL, label text NOT NULL); ALTER TABLE tb_tag INHERIT tb_tag_parent", db.Connection);
            await cmd.ExecuteNonQueryAsync();
        });
        Assert.Contains("inheritance hierarchy (parent public.tb_tag_parent)", adopted.MessageText, StringComparison.Ordinal);
    }
}
