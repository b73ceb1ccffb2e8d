namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "Metadata Corruption" and "Trigger Malfunction": a TVIEW that lost its metadata row refuses
/// every write that would leave it stale, the health check names it, and
/// pg_tviews_convert_existing_table (run from psql) restores it from what is left in the database.
/// </summary>
public sealed class MetadataRecoveryTests
{
    [Fact]
    public async Task MissingMetadataRefusesWritesUntilConvertRestoresIt()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await db.AssertHealthyAsync();
        await db.ExecAsync("DELETE FROM pg_tviews_metadata WHERE entity_name = 'post'");

        // Every write that tv_post depends on is refused, directly or through tv_user's cascade.
        foreach (var write in new[]
        {
            "UPDATE tb_post SET title = 'x' WHERE pk_post = 1",
            "INSERT INTO tb_comment VALUES (1000, 1, 'new')",
            "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 1",
            "SELECT pg_tviews_refresh('post')",
        })
        {
            var e = await db.FailsAsync(write);
            Assert.Equal("Metadata not found for TVIEW: post", e.MessageText);
        }
        Assert.Contains("ERROR:  Metadata not found for TVIEW: post", await db.PsqlFailsAsync("UPDATE tb_post SET title = 'x' WHERE pk_post = 1"));
        // A refresh points at the recovery; of a name that never was a TVIEW, at the list.
        Assert.Equal("Restore it with: SELECT pg_tviews_convert_existing_table('post');", (await db.FailsAsync("SELECT pg_tviews_refresh('post')")).Hint);
        var typo = await db.FailsAsync("SELECT pg_tviews_refresh('psot')");
        Assert.Equal("Metadata not found for TVIEW: psot", typo.MessageText);
        Assert.Equal("No TVIEW of that name exists: SELECT entity_name FROM pg_tviews_metadata lists them.", typo.Hint);
        // A source that only tv_user reads... there is none here; tv_user itself still refreshes.
        await db.PsqlAsync("SELECT pg_tviews_refresh('user')");

        var health = await db.HealthAsync();
        Assert.Equal("ERROR", health["untracked"].Status);
        Assert.Contains("pg_tviews_convert_existing_table('post')", health["untracked"].Details);

        // The runbook's recovery, as written, from psql.
        var converted = await db.PsqlAsync("SELECT pg_tviews_convert_existing_table('post');");
        Assert.Contains("TVIEW post restored from the comment of view public.pg_tviews_v_post", converted);
        var verify = await db.PsqlAsync("SELECT * FROM pg_tviews_metadata WHERE entity_name = 'post';");
        Assert.Contains("tv_post", verify);
        Assert.Contains("(1 row)", verify);
        Assert.Equal("{post}", await db.ScalarAsync<string>("SELECT dependents::text FROM pg_tviews_metadata WHERE entity_name = 'user'"));

        await db.ExecAsync("""
            UPDATE tb_post SET title = 'after' WHERE pk_post = 1;
            INSERT INTO tb_comment VALUES (1000, 1, 'new');
            UPDATE tb_user SET name = 'renamed' WHERE pk_user = 1;
            """);
        Assert.Equal("after", await db.ScalarAsync<string>("SELECT data->>'title' FROM tv_post WHERE pk_post = 1"));
        Assert.Equal("renamed", await db.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE fk_user = 1 LIMIT 1"));
        await db.AssertConsistentAsync("after convert");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task ConvertRepairsDisabledAndDroppedTriggers()
    {
        await using var db = await OpsDatabase.CreateAsync();
        var userUpdate = await db.ScalarAsync<string>(
            "SELECT t->>'name' FROM pg_tviews_metadata, jsonb_array_elements(objects->'triggers') t WHERE entity_name = 'user' AND t->>'event' = 'UPDATE'");
        var commentInsert = await db.ScalarAsync<string>(
            "SELECT t->>'name' FROM pg_tviews_metadata, jsonb_array_elements(objects->'triggers') t WHERE entity_name = 'post' AND t->>'table' = 'tb_comment' AND t->>'event' = 'INSERT'");
        await db.ExecAsync($"""
            ALTER TABLE tb_user DISABLE TRIGGER "{userUpdate}";
            DROP TRIGGER "{commentInsert}" ON tb_comment;
            UPDATE tb_user SET name = 'unseen' WHERE pk_user = 2;
            INSERT INTO tb_comment VALUES (2000, 2, 'unseen');
            """);
        Assert.NotEmpty(await db.DifferencesAsync()); // the symptom: refresh not happening on DML

        var health = await db.HealthAsync();
        Assert.Equal("ERROR", health["triggers"].Status);
        Assert.Contains($"trigger {userUpdate} on public.tb_user is disabled", health["triggers"].Details);
        Assert.Contains($"trigger {commentInsert} on public.tb_comment is missing", health["triggers"].Details);
        Assert.Equal("ERROR", health["consistency_sample"].Status);

        // Runbook step 1 as written runs (it lists the triggers, but cannot show whether they are enabled) ...
        var listed = await db.PsqlAsync("SELECT * FROM information_schema.triggers WHERE trigger_name LIKE 'pg_tviews_%';");
        Assert.Contains(userUpdate, listed);
        Assert.DoesNotContain(listed.Split('\n'), l => l.Contains(commentInsert) && l.Contains("tb_comment"));
        Assert.Contains(listed.Split('\n'), l => l.Contains(commentInsert) && l.Contains("tb_post"));
        // ... the corrected status query of docs/runbook.md shows the disabled one.
        var status = await db.PsqlAsync("""
            SELECT tgrelid::regclass AS table_name, tgname, tgenabled
            FROM pg_trigger WHERE tgname LIKE 'pg\_tviews\_%' AND NOT tgisinternal ORDER BY 1, 2;
            """);
        Assert.Matches($@"tb_user\s*\|\s*{userUpdate}\s*\|\s*D", status);

        foreach (var entity in new[] { "user", "post" })
            Assert.Contains($"TVIEW {entity} restored from its metadata row", await db.PsqlAsync($"SELECT pg_tviews_convert_existing_table('{entity}');"));
        await db.AssertConsistentAsync("after convert");
        await db.AssertHealthyAsync();
        await db.ExecAsync("UPDATE tb_user SET name = 'seen' WHERE pk_user = 2; INSERT INTO tb_comment VALUES (2001, 2, 'seen');");
        await db.AssertConsistentAsync("writes after convert");
    }

    [Fact]
    public async Task AMetadataRowEditedByHandIsRestoredFromTheDefinitionView()
    {
        await using var db = await OpsDatabase.CreateAsync();
        // The runbook's "do not modify pg_tviews_metadata" happened: the row no longer lists its triggers.
        await db.ExecAsync("UPDATE pg_tviews_metadata SET objects = '{}' WHERE entity_name = 'user'");
        var health = await db.HealthAsync();
        Assert.Equal("WARNING", health["triggers"].Status);
        Assert.Contains("belongs to no registered TVIEW", health["triggers"].Details);

        // docs/runbook.md: delete the bad row, then convert restores it from the manifest stored with the view.
        await db.PsqlAsync("DELETE FROM pg_tviews_metadata WHERE entity_name = 'user';");
        var converted = await db.PsqlAsync("SELECT pg_tviews_convert_existing_table('user');");
        Assert.Contains("restored from the comment of view public.pg_tviews_v_user: 6 trigger(s)", converted);
        await db.AssertHealthyAsync();
        await db.ExecAsync("UPDATE tb_user SET name = 'still maintained' WHERE pk_user = 3");
        Assert.Equal("still maintained", await db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 3"));
        await db.AssertConsistentAsync("after restore");
    }

    [Fact]
    public async Task ConvertRebuildsADroppedTableWhenTheEventTriggerWasOff()
    {
        await using var db = await OpsDatabase.CreateAsync();
        // Without the optional event trigger (as on a managed service), DROP TABLE leaves metadata behind.
        await db.ExecAsync("ALTER EVENT TRIGGER pg_tviews_sql_drop DISABLE; DROP TABLE tv_post;");
        var health = await db.HealthAsync();
        Assert.Equal("ERROR", health["metadata_tables"].Status);
        Assert.Equal("WARNING", health["event_trigger"].Status);
        // Writes to the sources of the dropped table are not refused: there is nothing left to maintain.
        await db.ExecAsync("INSERT INTO tb_comment VALUES (3000, 3, 'while dropped'); UPDATE tb_user SET name = 'u' WHERE pk_user = 1;");

        var converted = await db.PsqlAsync("SELECT pg_tviews_convert_existing_table('post');");
        Assert.Contains("table public.tv_post re-created", converted);
        Assert.Contains("primary key re-created", converted);
        await db.ExecAsync("ALTER EVENT TRIGGER pg_tviews_sql_drop ENABLE");
        Assert.Equal(40L, await db.ScalarAsync<long>("SELECT count(*) FROM tv_post"));
        await db.AssertConsistentAsync("after convert");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task ConvertWithoutAnyStoredDefinitionFailsClearly()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await db.ExecAsync("CREATE TABLE tv_plain (pk_plain int PRIMARY KEY)");
        foreach (var entity in new[] { "plain", "nothing" })
        {
            var e = await db.FailsAsync($"SELECT pg_tviews_convert_existing_table('{entity}')");
            Assert.Equal($"Metadata not found for TVIEW: {entity}", e.MessageText);
            Assert.Contains("tviews apply", e.Hint);
        }
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_metadata"));
    }
}
