namespace TViews.Tests.Operations;

/// <summary>
/// The runbook's "Emergency Procedures" DO blocks, run from psql exactly as written (and the
/// corrected forms of docs/runbook.md), and its "Monitoring and Alerts" queries.
/// </summary>
public sealed class EmergencyAndMonitoringTests
{
    // FAILURE_MODES.md, verbatim.
    private const string ForceRefreshAll = """
        -- Refresh all TVIEWs (use with caution on large databases)
        DO $$
        DECLARE
            rec RECORD;
        BEGIN
            FOR rec IN SELECT entity_name FROM pg_tviews_metadata LOOP
                RAISE NOTICE 'Refreshing %', rec.entity_name;
                PERFORM pg_tviews_refresh(rec.entity_name, force => true);
            END LOOP;
        END $$;
        """;

    private const string DisableAll = """
        -- Disable refresh triggers (stops automatic refresh)
        DO $$
        DECLARE
            rec RECORD;
        BEGIN
            FOR rec IN
                SELECT DISTINCT trigger_name, event_object_table
                FROM information_schema.triggers
                WHERE trigger_name LIKE 'pg_tviews_%'
            LOOP
                EXECUTE format('ALTER TABLE %I DISABLE TRIGGER %I',
                              rec.event_object_table, rec.trigger_name);
            END LOOP;
        END $$;
        """;

    private const string EnableAll = """
        DO $$
        DECLARE
            rec RECORD;
        BEGIN
            FOR rec IN
                SELECT DISTINCT trigger_name, event_object_table
                FROM information_schema.triggers
                WHERE trigger_name LIKE 'pg_tviews_%'
            LOOP
                EXECUTE format('ALTER TABLE %I ENABLE TRIGGER %I',
                              rec.event_object_table, rec.trigger_name);
            END LOOP;
        END $$;
        """;

    // docs/runbook.md: pg_trigger also lists TRUNCATE triggers (information_schema.triggers does not)
    // and gives schema-qualified table names.
    private const string DisableAllCorrected = """
        DO $$
        DECLARE
            rec RECORD;
        BEGIN
            FOR rec IN
                SELECT t.tgrelid::regclass AS table_name, t.tgname AS trigger_name
                FROM pg_trigger t
                WHERE t.tgname LIKE 'pg\_tviews\_%' AND NOT t.tgisinternal
            LOOP
                EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', rec.table_name, rec.trigger_name);
            END LOOP;
        END $$;
        """;

    private static string EnableAllCorrected => DisableAllCorrected.Replace("DISABLE TRIGGER", "ENABLE TRIGGER");

    private static Task<string> TriggerStatesAsync(OpsDatabase db) => db.ScalarAsync<string>("""
        SELECT string_agg(DISTINCT s, ',' ORDER BY s)
        FROM (SELECT tgenabled::text || ':' || CASE WHEN tgtype & 32 <> 0 THEN 'truncate' ELSE 'dml' END AS s
              FROM pg_trigger WHERE tgname ~ '^pg_tviews_[0-9]') t
        """);

    [Fact]
    public async Task DisableAndReenableAsWrittenThenForceRefreshAll()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await db.PsqlAsync(DisableAll);
        // As written, information_schema.triggers has no TRUNCATE triggers: those stay enabled.
        Assert.Equal("D:dml,O:truncate", await TriggerStatesAsync(db));
        Assert.Equal("ERROR", (await db.HealthAsync())["triggers"].Status);

        await db.ExecAsync("UPDATE tb_user SET name = 'during the emergency' WHERE pk_user = 1; INSERT INTO tb_comment VALUES (900, 1, 'unseen');");
        Assert.NotEmpty(await db.DifferencesAsync());

        await db.PsqlAsync(EnableAll);
        Assert.Equal("O:dml,O:truncate", await TriggerStatesAsync(db));
        Assert.Equal("OK", (await db.HealthAsync())["triggers"].Status);

        // Re-enabling does not replay what happened meanwhile: the force refresh of all TVIEWs does.
        var output = await db.PsqlAsync(ForceRefreshAll);
        Assert.Contains("NOTICE:  Refreshing user", output);
        Assert.Contains("NOTICE:  Refreshing post", output);
        await db.AssertConsistentAsync("after force refresh all");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task CorrectedDisableAndEnableCoverEveryTrigger()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await db.PsqlAsync(DisableAllCorrected);
        Assert.Equal("D:dml,D:truncate", await TriggerStatesAsync(db));
        await db.ExecAsync("TRUNCATE tb_comment");
        Assert.NotEmpty(await db.DifferencesAsync()); // nothing fired, not even for TRUNCATE
        await db.PsqlAsync(EnableAllCorrected);
        Assert.Equal("O:dml,O:truncate", await TriggerStatesAsync(db));
        await db.PsqlAsync(ForceRefreshAll);
        await db.AssertConsistentAsync("after force refresh all");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task MonitoringQueriesAndAlertThresholds()
    {
        await using var db = await OpsDatabase.CreateAsync();

        // 1. Queue size, as written: always 0 with immediate maintenance. Threshold: > 1000 is critical.
        Assert.Equal("0", await db.PsqlValueAsync("SELECT jsonb_array_length(pg_tviews_debug_queue());"));
        // 2. Orphaned prepared transactions, as written. Threshold: > 10 is a warning.
        Assert.Equal("0", await db.PsqlValueAsync("SELECT COUNT(*) FROM pg_tview_pending_refreshes WHERE age(now(), prepared_at) > interval '1 hour';"));
        Assert.Equal("OK", await db.PsqlValueAsync("""
            SELECT CASE WHEN count(*) > 10 THEN 'WARNING' ELSE 'OK' END
            FROM pg_tview_pending_refreshes WHERE age(now(), prepared_at) > interval '1 hour';
            """));

        // 3. As written it is not SQL (a table name cannot be an expression) ...
        var invalid = await db.PsqlFailsAsync("""
            SELECT entity_name,
                   (SELECT COUNT(*) FROM tb_||entity_name) as backing_count,
                   (SELECT COUNT(*) FROM tv_||entity_name) as tview_count
            FROM pg_tviews_metadata;
            """);
        Assert.Contains("syntax error", invalid);
        // ... the corrected form of docs/runbook.md builds each count with format() and runs it.
        await db.PsqlAsync("SET session_replication_role = replica; INSERT INTO tb_post VALUES (800, 1, 'unseen');");
        var counts = await db.PsqlValueAsync("""
            SELECT entity_name,
                   (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, view_name), false, true, '')))[1]::text::bigint AS definition_count,
                   (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint AS tview_count
            FROM pg_tviews_metadata
            ORDER BY entity_name;
            """);
        Assert.Equal("post|41|40\nuser|10|10", counts);

        // Refresh duration ("Info: refresh took > 1 second") from PostgreSQL's function statistics:
        // within the transaction, and (after the stats are flushed) cumulatively.
        var timing = await db.PsqlValueAsync("""
            BEGIN;
            SET LOCAL track_functions = 'pl';
            SELECT pg_tviews_refresh('post') AS rows_written;
            SELECT funcname, calls, total_time > 1000 AS over_1s FROM pg_stat_xact_user_functions
            WHERE funcname = 'pg_tviews_refresh';
            COMMIT;
            -- Flushed before this session reports idle, not at its exit (which the next session could overtake).
            SELECT pg_stat_force_next_flush();
            """);
        Assert.Contains("pg_tviews_refresh|1|f", timing);
        var (cumulative, _) = await db.RunPsqlAsync(["-t", "-A",
            "-c", "SET track_functions = 'pl'",
            "-c", "SELECT pg_tviews_refresh('user')",
            "-c", "SELECT pg_stat_force_next_flush()",
            "-c", """
                  SELECT funcname, calls, total_time / calls < 1000 AS under_1s
                  FROM pg_stat_user_functions
                  WHERE funcname LIKE 'pg\_tviews\_%'
                  ORDER BY total_time DESC;
                  """,
            "-c", "SELECT funcname FROM pg_stat_user_functions WHERE funcname = 'pg_tviews_refresh' AND total_time / calls > 1000;"]);
        Assert.Contains("pg_tviews_refresh|2|t", cumulative); // this refresh and the one above
        Assert.Contains("pg_tviews_sync_user|1|t", cumulative);

        // docs/runbook.md's alert conditions, all false on a healthy database.
        foreach (var alert in new[]
        {
            "SELECT jsonb_array_length(pg_tviews_debug_queue()) > 1000;",
            "SELECT count(*) > 0 FROM pg_tviews_health_check() WHERE status = 'ERROR';",
            "SELECT COUNT(*) > 10 FROM pg_tview_pending_refreshes WHERE age(now(), prepared_at) > interval '1 hour';",
            "SELECT count(*) > 0 FROM pg_stat_user_functions WHERE funcname = 'pg_tviews_refresh' AND total_time / calls > 1000;",
        })
            Assert.Equal("f", await db.PsqlValueAsync(alert));
        // The critical one fires when it should.
        await db.PsqlAsync("SET session_replication_role = replica; DELETE FROM tb_comment WHERE pk_comment = 1;");
        Assert.Equal("t", await db.PsqlValueAsync("SELECT count(*) > 0 FROM pg_tviews_health_check() WHERE status = 'ERROR';"));
        await db.PsqlAsync("SELECT pg_tviews_refresh('post');");

        var stats = await db.ScalarAsync<string>("SELECT pg_tviews_queue_stats()->>'pending'");
        Assert.Equal("0", stats);
        var health = await db.HealthAsync();
        Assert.Equal("OK", health["queue"].Status);
        Assert.Equal("OK", health["prepared_transactions"].Status);
        await db.AssertConsistentAsync("after the monitoring queries");
    }
}
