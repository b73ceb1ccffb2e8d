using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>
/// A TVIEW's key must be unique and never NULL. Keys proven so from primary keys and unique
/// constraints (through joins, GROUP BY, DISTINCT, derived tables, TVIEWs) are accepted. A key chosen
/// by default that is not makes a multiset TVIEW, with the reason and its position in a warning; a key
/// written (pk_&lt;entity&gt;) that is not is refused so; a key given explicitly is checked against the
/// data at build time and a write that makes one repeat fails loudly and changes nothing.
/// </summary>
public sealed class KeyUniquenessTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ExecuteAsync("""
            DROP TABLE IF EXISTS tb_item, tb_owner, tb_tag, tb_log, tb_deferred CASCADE;
            CREATE TABLE tb_owner (pk_owner int PRIMARY KEY, code text NOT NULL UNIQUE, nick text UNIQUE, name text NOT NULL);
            CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_owner int REFERENCES tb_owner, sku text NOT NULL, label text, qty int NOT NULL);
            CREATE TABLE tb_tag (name text NOT NULL, lang text NOT NULL, note text, UNIQUE (name, lang));
            CREATE TABLE tb_log (at int NOT NULL, msg text NOT NULL);
            CREATE TABLE tb_deferred (k int NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED, v text);
            INSERT INTO tb_owner VALUES (1, 'A', 'a', 'one'), (2, 'B', NULL, 'two'), (3, 'C', NULL, 'three');
            INSERT INTO tb_item VALUES (1, 1, 's1', 'x', 1), (2, 1, 's2', 'y', 2), (3, 2, 's3', 'x', 3), (4, NULL, 's4', NULL, 4);
            INSERT INTO tb_tag VALUES ('red', 'en', NULL), ('rot', 'de', 'n'), ('red', 'fr', NULL);
            INSERT INTO tb_log VALUES (1, 'a'), (2, 'b');
            INSERT INTO tb_deferred VALUES (1, 'a');
            """);
        await Engine.InstallAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private TViewsEngine Engine => new(db.ConnectionString);

    private async Task CreateAsync(string name, string sql, string? key = null) =>
        await Engine.CreateAsync(TViewDefinition.FromSelect(name, sql, key?.Split(',')));

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var c = await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task AssertMatchesDefinitionAsync(string table, string sql)
    {
        await using var c = await db.OpenAsync();
        await Oracle.AssertConsistentAsync(c, [(table, sql)], table);
    }

    /// <summary>Whether the apply function of a TVIEW carries the run-time duplicate check.</summary>
    /// <summary>
    /// Whether the key is taken as given, unproven (every apply function checks for a repeated key,
    /// since a proven key stops being unique when a constraint is dropped; the message says which).
    /// </summary>
    private Task<bool> EnforcedAsync(string entity) =>
        ScalarAsync<bool>($"SELECT prosrc LIKE '%pg_tviews_dup%' AND prosrc LIKE '%given explicitly and is not provably unique%' FROM pg_proc WHERE proname = 'pg_tviews_apply_{entity}'");

    /// <summary>
    /// A definition whose default key cannot be proven: created as a multiset (no primary key), equal to
    /// its definition; returns the warning, which says why no key was proven. The TVIEW is dropped again.
    /// </summary>
    private async Task<string> MultisetAsync(string name, string sql)
    {
        var warnings = await Engine.CreateAsync(TViewDefinition.FromSelect(name, sql));
        var entity = name[3..];
        Assert.True(await ScalarAsync<bool>($"SELECT (objects->>'multiset')::boolean FROM pg_tviews_metadata WHERE entity_name = '{entity}'"));
        Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM pg_constraint WHERE conrelid = '{name}'::regclass AND contype = 'p'"));
        await AssertMatchesDefinitionAsync(name, sql);
        await Engine.DropAsync(name, cascade: false, ifExists: false);
        var warning = Assert.Single(warnings, w => w.StartsWith("no unique key (", StringComparison.Ordinal));
        return warning["no unique key (".Length..];
    }

    private async Task<AnalysisException> RefusedAsync(string name, string sql, string? key = null)
    {
        var e = await Assert.ThrowsAsync<AnalysisException>(() => CreateAsync(name, sql, key));
        var entity = name[3..];
        Assert.Equal(0L, await ScalarAsync<long>(
            $"SELECT (SELECT count(*) FROM pg_tviews_metadata WHERE entity_name = '{entity}') + (SELECT count(*) FROM pg_class WHERE relname IN ('{name}', 'pg_tviews_v_{entity}'))"));
        return e;
    }

    [Theory]
    [InlineData("tv_k_pk", "SELECT i.pk_item, i.sku FROM tb_item i", null)]
    [InlineData("tv_k_unique", "SELECT o.code, o.name FROM tb_owner o", null)]
    [InlineData("tv_k_composite", "SELECT t.name, t.lang, t.note FROM tb_tag t", "name,lang")]
    [InlineData("tv_k_join", "SELECT i.pk_item, o.name FROM tb_item i JOIN tb_owner o ON o.pk_owner = i.fk_owner", null)]
    [InlineData("tv_k_join_other_side", "SELECT o.code, i.sku FROM tb_owner o JOIN tb_item i ON i.pk_item = o.pk_owner", null)]
    [InlineData("tv_k_comma", "SELECT i.pk_item, o.name FROM tb_item i, tb_owner o WHERE o.pk_owner = i.fk_owner", null)]
    [InlineData("tv_k_left", "SELECT i.pk_item, o.name FROM tb_item i LEFT JOIN tb_owner o ON o.code = i.sku", null)]
    [InlineData("tv_k_using", "SELECT pk_item, name FROM tb_item JOIN (SELECT pk_owner AS fk_owner, name FROM tb_owner) o USING (fk_owner)", null)]
    [InlineData("tv_k_group", "SELECT i.sku, count(*) AS n FROM tb_item i GROUP BY i.sku", null)]
    [InlineData("tv_k_group_fd", "SELECT o.pk_owner, o.name, count(i.pk_item) AS n FROM tb_owner o LEFT JOIN tb_item i ON i.fk_owner = o.pk_owner GROUP BY o.pk_owner, o.name", null)]
    [InlineData("tv_k_group_expr", "SELECT lower(i.label) AS l, count(*) AS n FROM tb_item i WHERE lower(i.label) IS NOT NULL GROUP BY 1", null)]
    [InlineData("tv_k_distinct", "SELECT DISTINCT i.fk_owner FROM tb_item i WHERE i.fk_owner IS NOT NULL", null)]
    [InlineData("tv_k_distinct_all", "SELECT DISTINCT i.qty, i.sku FROM tb_item i", "qty,sku")]
    [InlineData("tv_k_cte", "WITH s AS (SELECT i.fk_owner, sum(i.qty) AS q FROM tb_item i GROUP BY i.fk_owner) SELECT o.pk_owner, s.q FROM tb_owner o LEFT JOIN s ON s.fk_owner = o.pk_owner", null)]
    [InlineData("tv_k_lateral", "SELECT o.pk_owner, top.sku FROM tb_owner o LEFT JOIN LATERAL (SELECT i.sku FROM tb_item i WHERE i.fk_owner = o.pk_owner ORDER BY i.qty DESC LIMIT 1) top ON true", null)]
    [InlineData("tv_k_lateral_agg", "SELECT o.pk_owner, c.n FROM tb_owner o CROSS JOIN LATERAL (SELECT count(*) AS n FROM tb_item i WHERE i.fk_owner = o.pk_owner) c", null)]
    [InlineData("tv_k_correlated_on", "SELECT i.pk_item, b.sku AS next_sku FROM tb_item i LEFT JOIN tb_item b ON b.pk_item = (SELECT min(x.pk_item) FROM tb_item x WHERE x.pk_item > i.pk_item)", null)]
    [InlineData("tv_k_union", "SELECT u.k FROM (SELECT i.pk_item AS k FROM tb_item i UNION SELECT o.pk_owner FROM tb_owner o) u", null)]
    [InlineData("tv_k_anti_join", "SELECT o.pk_owner, o.name FROM tb_owner o LEFT JOIN tb_item i ON i.fk_owner = o.pk_owner WHERE i.pk_item IS NULL", null)]
    [InlineData("tv_k_one_row", "SELECT o.pk_owner, c.n FROM tb_owner o CROSS JOIN (SELECT count(*) AS n FROM tb_item) c", null)]
    public async Task ProvablyUniqueKeysAreAcceptedAndNotCheckedAtRunTime(string name, string sql, string? key)
    {
        await CreateAsync(name, sql, key);
        Assert.False(await EnforcedAsync(name[3..]));
        await AssertMatchesDefinitionAsync(name, sql);
        await Engine.DropAsync(name, cascade: true, ifExists: false);
    }

    [Fact]
    public async Task KeysOfTViewSourcesCarryThrough()
    {
        await CreateAsync("tv_k_base", "SELECT i.pk_item, i.fk_owner, i.sku FROM tb_item i");
        await CreateAsync("tv_k_on_tview", "SELECT b.pk_item, o.name FROM tv_k_base b JOIN tb_owner o ON o.pk_owner = b.fk_owner");
        await CreateAsync("tv_k_on_tview_group", "SELECT b.fk_owner, count(*) AS n FROM tv_k_base b WHERE b.fk_owner IS NOT NULL GROUP BY b.fk_owner");
        Assert.False(await EnforcedAsync("k_on_tview"));
        await Engine.DropAsync("tv_k_base", cascade: true, ifExists: false);
    }

    // Without a key written, a key that cannot be proven makes a multiset TVIEW (MultisetTests); the
    // warning gives the reason, with the table or column at fault and its position, as a refusal did.

    [Fact]
    public async Task ANonUniqueColumnIsNamedWithTheTableAndTheFix()
    {
        var w = await MultisetAsync("tv_bad", "SELECT i.sku, i.qty\nFROM tb_item i");
        Assert.StartsWith("line 2, column 6: the key (sku) is not provably unique: tb_item.sku is not unique: no primary key or unique constraint covers it "
                     + "(unique keys of tb_item: (pk_item)). Add a primary key or unique constraint that the key covers, or choose a unique key with --key (-- tviews:key=... in an apply file)): "
                     + "maintained as a multiset, its rows found by (sku, qty)",
            w);
        w = await MultisetAsync("tv_bad", "SELECT l.at, l.msg FROM tb_log l");
        Assert.StartsWith("line 1, column 25: the key (at) is not provably unique: tb_log.at is not unique: no primary key or unique constraint covers it.", w);
        // A key written must hold.
        var e = await RefusedAsync("tv_bad", "SELECT i.sku AS pk_bad, i.qty FROM tb_item i");
        Assert.StartsWith("line 1, column 36: the key (pk_bad) is not provably unique: tb_item.sku is not unique", e.Message);
    }

    [Fact]
    public async Task AJoinThatRepeatsTheKeyIsNamedAtTheJoinedTable()
    {
        var w = await MultisetAsync("tv_bad", "SELECT o.pk_owner, i.sku\nFROM tb_owner o\nJOIN tb_item i ON i.fk_owner = o.pk_owner");
        Assert.StartsWith("line 3, column 6: the key (pk_owner) is not provably unique: tb_item.fk_owner is not unique: no primary key or unique constraint covers it (unique keys of tb_item: (pk_item))", w);
        // A LEFT JOIN repeats its preserved side's rows unless it matches on a unique key.
        w = await MultisetAsync("tv_bad", "SELECT o.pk_owner, i.sku FROM tb_owner o LEFT JOIN tb_item i ON i.fk_owner = o.pk_owner");
        Assert.Contains("nothing in the key determines a row of tb_item", w);
        Assert.Contains("its rows found by (pk_owner)", w); // i.sku comes from the nullable side
        w = await MultisetAsync("tv_bad", "SELECT o.pk_owner, x.sku FROM tb_owner o CROSS JOIN LATERAL (SELECT i.sku FROM tb_item i WHERE i.fk_owner = o.pk_owner) x");
        Assert.StartsWith("line 1, column 53: the key (pk_owner) is not provably unique: nothing in the key determines a row of x,", w);
    }

    [Fact]
    public async Task AKeyThatMayBeNullIsNamedAtTheKeyColumn()
    {
        var w = await MultisetAsync("tv_bad", "SELECT o.nick, o.name FROM tb_owner o");
        Assert.StartsWith("line 1, column 8: the key (nick) must never be NULL, but \"nick\" may be: tb_owner.nick allows NULL.", w);
        var e = await RefusedAsync("tv_bad", "SELECT i.sku, o.pk_owner AS k\nFROM tb_item i\nLEFT JOIN tb_owner o ON o.pk_owner = i.fk_owner", "k");
        Assert.StartsWith("line 1, column 15: the key (k) must never be NULL, but \"k\" may be: tb_owner.pk_owner comes from the nullable side of a LEFT JOIN (line 3, column 11)", e.Message);
        // An explicit key does not lift the requirement: a NULL key could never be maintained.
        e = await RefusedAsync("tv_bad", "SELECT i.label, i.sku FROM tb_item i", "label");
        Assert.Contains("tb_item.label allows NULL", e.Message);
    }

    [Fact]
    public async Task GroupingThatDoesNotCoverTheKeyIsNamed()
    {
        var w = await MultisetAsync("tv_bad", "SELECT i.sku, i.qty, count(*) AS n FROM tb_item i GROUP BY i.sku, i.qty");
        Assert.StartsWith("line 1, column 67: the key (sku) is not provably unique: it does not determine the GROUP BY item i.qty", w);
        Assert.Contains("its rows found by (sku, qty)", w);
        w = await MultisetAsync("tv_bad", "SELECT DISTINCT i.qty, i.sku FROM tb_item i");
        Assert.Contains("the key (qty) is not provably unique", w);
    }

    [Fact]
    public async Task ConstraintsThatDoNotHoldForEveryRowReadAreNotProof()
    {
        var w = await MultisetAsync("tv_bad", "SELECT d.k, d.v FROM tb_deferred d");
        Assert.Contains("tb_deferred.k is not unique", w); // a deferrable constraint can be violated while triggers run
        w = await MultisetAsync("tv_bad", "SELECT i.pk_item, unnest(ARRAY[1, 2]) AS x FROM tb_item i");
        Assert.StartsWith("line 1, column 19: the key (pk_item) is not provably unique: unnest() in the select list returns a set", w);
        Assert.Contains("its rows found by (pk_item)", w);
        w = await MultisetAsync("tv_bad", "SELECT u.k FROM (SELECT i.pk_item AS k FROM tb_item i UNION ALL SELECT o.pk_owner FROM tb_owner o) u");
        Assert.Contains("the rows of u are not provably unique on k", w);
        // A function in FROM has no known unique key: `*` over it expands, and the key is then not provable.
        w = await MultisetAsync("tv_bad", "SELECT * FROM tb_item i, LATERAL upper(i.label) u");
        Assert.StartsWith("line 1, column 26: the key (pk_item) is not provably unique: the rows of u (a function, VALUES or aliased join in FROM) have no known unique key", w);
    }

    [Fact]
    public async Task AnExplicitKeyWithDuplicatesIsRefusedAtBuild()
    {
        var e = await RefusedAsync("tv_bad", "SELECT t.name, t.lang FROM tb_tag t", "name");
        Assert.Equal("the key (name) is not unique: (name) = (red) is produced by 2 rows of the definition. "
                     + "The analysis could not prove this key unique either: choose a unique key, or make it unique in the sources (a unique constraint)", e.Message);
    }

    [Fact]
    public async Task AnExplicitKeyUniqueAtBuildIsEnforcedAtRunTime()
    {
        const string withData = "SELECT i.sku, i.qty FROM tb_item i";
        const string keyOnly = "SELECT i.sku FROM tb_item i"; // no other column: the upsert is ON CONFLICT DO NOTHING
        var warnings = await Engine.CreateAsync(TViewDefinition.FromSelect("tv_k_sku", withData, ["sku"]));
        await CreateAsync("tv_k_sku_only", keyOnly, "sku");
        // Said at creation, with why it was not proven.
        Assert.Contains(warnings, w => w.StartsWith("the key (sku) is taken as given (it holds now, and a write that makes it repeat fails): ", StringComparison.Ordinal)
                                       && w.Contains("not provably unique", StringComparison.Ordinal));
        Assert.True(await EnforcedAsync("k_sku"));
        Assert.True(await EnforcedAsync("k_sku_only"));

        // Ordinary writes are maintained.
        await db.ExecuteAsync("INSERT INTO tb_item VALUES (10, 3, 's10', 'z', 5); UPDATE tb_item SET qty = 7 WHERE pk_item = 1");
        await AssertMatchesDefinitionAsync("tv_k_sku", withData);
        await AssertMatchesDefinitionAsync("tv_k_sku_only", keyOnly);

        var before = await ScalarAsync<string>("SELECT string_agg(t::text, ';' ORDER BY t::text) FROM (SELECT * FROM tb_item) t");
        var tviewBefore = await ScalarAsync<string>("SELECT string_agg(t::text, ';' ORDER BY t::text) FROM tv_k_sku t");
        foreach (var write in new[] { "INSERT INTO tb_item VALUES (11, 1, 's2', NULL, 9)", "UPDATE tb_item SET sku = 's1' WHERE pk_item = 3" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync(write));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, e.SqlState);
            Assert.Matches(@"^TVIEW public\.tv_k_sku(_only)?: key \(sku\) = \(s[12]\) is produced by more than one row of its definition$", e.MessageText);
            Assert.Equal("tv_k_sku", e.TableName?[..8]);
            Assert.Equal(before, await ScalarAsync<string>("SELECT string_agg(t::text, ';' ORDER BY t::text) FROM (SELECT * FROM tb_item) t"));
            Assert.Equal(tviewBefore, await ScalarAsync<string>("SELECT string_agg(t::text, ';' ORDER BY t::text) FROM tv_k_sku t"));
        }
        await AssertMatchesDefinitionAsync("tv_k_sku", withData);
        await AssertMatchesDefinitionAsync("tv_k_sku_only", keyOnly);
        await db.ExecuteAsync("DELETE FROM tb_item WHERE pk_item = 10; UPDATE tb_item SET qty = 1 WHERE pk_item = 1");
        await Engine.DropAsync("tv_k_sku", cascade: true, ifExists: false);
        await Engine.DropAsync("tv_k_sku_only", cascade: true, ifExists: false);
    }
}
