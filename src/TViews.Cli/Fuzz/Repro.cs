using System.Data;
using System.Text;

namespace TViews.Cli.Fuzz;

/// <summary>
/// A self-contained reproduction of a finding, in parts: <see cref="Setup"/> (schema and rows, for
/// psql), <see cref="Definitions"/> (for <c>tviews apply</c>), <see cref="Workload"/> (the
/// transactions as they ran, for psql: at their isolation level, with the <c>pg_tviews.mode</c> each
/// statement ran in; a guarded statement shows in its savepoint, rolled back to when it failed) and
/// <see cref="Oracle"/> (expected to return no rows).
/// </summary>
public sealed record Repro(string Header, string Setup, string Definitions, string Workload, string Oracle)
{
    public static Repro From(FuzzCase c, CaseResult r)
    {
        var f = r.Finding;
        var header = new StringBuilder()
            .AppendLine($"-- TViews fuzz reproduction (seed {c.Seed}, set {c.Set}): {Shrinker.Describe(c)}")
            .AppendLine($"-- {f?.Kind}: {f?.Summary}");
        var workload = new StringBuilder();
        if (r.Locking is { } locking)
            workload.AppendLine($"SELECT pg_tviews_set_locking(entity_name, '{locking}') FROM pg_tviews_metadata WHERE key_locks;");
        if (c.Sabotage is { } s) workload.AppendLine("-- sabotage (a test of the fuzzer itself)").AppendLine(s + ";");
        if (r.Sessions > 1)
            workload.AppendLine($"-- these ran {r.Sessions} at a time, on as many connections: one after the other, they may not reproduce it");
        foreach (var t in r.Trace)
        {
            workload.AppendLine(Begin(t.Level));
            foreach (var st in t.Statements)
            {
                // The mode as the executor set it, before the statement's savepoint.
                if (st.Mode is { } mode) workload.AppendLine($"SET LOCAL pg_tviews.mode = '{mode}';");
                var sql = st.Statement.Sql + ";";
                if (st.Statement.Guarded)
                {
                    workload.AppendLine("SAVEPOINT fuzz_guard;").AppendLine(st.Error is null ? sql : $"{sql}  -- fails: {st.Error}");
                    workload.AppendLine(st.Error is null ? "RELEASE SAVEPOINT fuzz_guard;" : "ROLLBACK TO SAVEPOINT fuzz_guard;");
                }
                else workload.AppendLine(st.Error is null ? sql : $"{sql}  -- fails: {st.Error}");
            }
            workload.AppendLine(t.End + ";");
        }
        var oracle = new StringBuilder();
        if (f?.Kind == FuzzFinding.MaintenanceError)
            oracle.AppendLine($"-- expected: the last transaction fails inside TViews: {f.Summary}");
        oracle.AppendLine(FuzzOracle.DifferencesQuery(r.Accepted));
        if (f?.Kind == FuzzFinding.Divergence)
            foreach (var d in f.Details) oracle.AppendLine($"--   {d}");
        return new Repro(header.ToString(), c.Schema.DdlScript() + c.Schema.SeedScript(),
            string.Join("\n", r.Accepted.Select(d => d.Script)) + "\n", workload.ToString(), oracle.ToString());
    }

    private static string Begin(IsolationLevel level) => level switch
    {
        IsolationLevel.RepeatableRead => "BEGIN ISOLATION LEVEL REPEATABLE READ;",
        IsolationLevel.Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE;",
        _ => "BEGIN;",
    };

    public string Text =>
        Header +
        "\n-- 1. Schema and rows (psql):\n" + Setup +
        "\n-- 2. The TVIEWs: save these statements to a file and run `tviews apply <file>` (not psql):\n" + Definitions +
        "\n-- 3. The workload (psql):\n" + Workload +
        "\n-- 4. The oracle (psql): rows of each TVIEW missing from or extra to its definition; expected: none.\n" + Oracle;
}
