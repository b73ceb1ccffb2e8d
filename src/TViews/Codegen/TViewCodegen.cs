using System.Text;
using System.Text.Json.Nodes;
using TViews.Plan;
using TViews.Runtime;
using static TViews.Runtime.SqlNames;

namespace TViews.Codegen;

/// <summary>
/// One trigger the TVIEW installs on a source. INSERT, DELETE and TRUNCATE triggers are the TVIEW's own,
/// each with its function (<paramref name="FunctionDdl"/>). The UPDATE trigger is shared by every TVIEW
/// reading the table: its function, in the runtime schema, is composed by the runtime from each TVIEW's
/// <paramref name="Fragment"/>, so an UPDATE costs one trigger call however many TVIEWs read the table;
/// it comes with this TVIEW's gate.
/// </summary>
internal sealed record GeneratedTrigger(string Schema, string Table, string Name, string Event, string FunctionName, string? FunctionDdl, string TriggerDdl,
    string? Fragment = null, GeneratedGate? Gate = null);

/// <summary>
/// The statement-level BEFORE UPDATE trigger that marks the transaction (setting <paramref name="Flag"/>)
/// when an UPDATE may change a column the TVIEW reads. <paramref name="NarrowDdl"/> lists those columns,
/// so an UPDATE whose SET list names none of them fires nothing at all; <paramref name="WideDdl"/> has
/// no column list and is what the runtime installs when a BEFORE ROW trigger could change them unseen.
/// </summary>
internal sealed record GeneratedGate(string Name, string Flag, string NarrowDdl, string WideDdl, IReadOnlyList<string> Columns);

/// <summary>The SQL that creates and maintains one TVIEW, in execution order.</summary>
internal sealed record GeneratedTView(
    TViewPlan Plan,
    string CreateView,
    string CreateTable,
    string CompressTable,
    string FillTable,
    string AddPrimaryKey,
    IReadOnlyList<string> CreateIndexes,
    string ApplyFunction,
    string SyncFunction,
    string FlushFunction,
    IReadOnlyList<string> PatchFunctions,
    IReadOnlyList<GeneratedTrigger> Triggers,
    JsonObject Manifest);

/// <summary>
/// Generates the static SQL and PL/pgSQL maintaining a TVIEW. Every statement on the write path is
/// static (plans cached per session); every name is quoted; the only values embedded are literals
/// of names, quoted with <see cref="Literal"/>.
/// </summary>
internal sealed class TViewCodegen(string runtimeSchema)
{
    /// <summary>
    /// The generation of the generated code. It is part of a definition's hash, so after an upgrade
    /// that changes it, <c>apply</c> rebuilds the TVIEWs built by older code instead of calling
    /// them unchanged. Raise it with every change to what this class generates (ApplyAndInstallTests
    /// pins the generated code of a few TVIEWs to it).
    /// </summary>
    public const int Generation = 28;

    private const int BatchSize = 10_000;
    private string Rt(string name) => Quote(runtimeSchema, name);

    public static string ApplyFunctionName(TViewPlan p) => Generated($"pg_tviews_apply_{p.Entity}");
    public static string SyncFunctionName(TViewPlan p) => Generated($"pg_tviews_sync_{p.Entity}");
    public static string FlushFunctionName(TViewPlan p) => Generated($"pg_tviews_flush_{p.Entity}");

    private static string SourceLabel(TViewPlan p, SourcePlan s) =>
        p.Sources.Count(x => x.Table == s.Table) > 1 ? $"{s.Schema}_{s.Table}" : s.Table;

    public static string PatchFunctionName(TViewPlan p, SourcePlan s) => Generated($"pg_tviews_patch_{p.Entity}__{SourceLabel(p, s)}");

    public GeneratedTView Generate(TViewPlan p)
    {
        var table = Quote(p.Schema, p.Table);
        var view = Quote(p.Schema, p.View);
        var createView = $"CREATE VIEW {view} AS\n{p.DefinitionSql}";
        // Filled after its columns take lz4 (Lz4Compression), so the first rows are compressed that way too.
        var createTable = $"CREATE TABLE {table} AS SELECT * FROM {view} WITH NO DATA";
        var pkName = Generated($"{p.Table}_pkey");
        var addPk = p.Multiset ? MultisetIndex(p)
            : $"ALTER TABLE {table} ADD CONSTRAINT {Quote(pkName)} PRIMARY KEY ({string.Join(", ", p.Key.Select(k => Quote(k.Name)))})";
        var indexes = p.Indexes.Select(ix =>
            $"CREATE INDEX IF NOT EXISTS {Quote(Generated($"pg_tviews_{ix.Table}_{string.Join("_", ix.Columns)}_idx"))} ON {Quote(ix.Schema, ix.Table)} ({string.Join(", ", ix.Columns.Select(Quote))})").ToList();
        var fillTable = $"INSERT INTO {table} SELECT * FROM {view}";
        if (p.Windows is { } windows) fillTable += WindowIndexes(p, windows);
        var triggers = GenerateTriggers(p);
        var apply = p.Multiset ? MultisetApplyFunction(p) : ApplyFunction(p);
        var sync = SyncFunction(p);
        var patches = p.Sources.Where(s => s.Patch is not null).Select(s => PatchFunction(p, s)).ToList();
        var flush = FlushFunction(p);
        return new GeneratedTView(p, createView, createTable, Lz4Compression(table), fillTable, addPk, indexes,
            apply, sync, flush, patches, triggers, Manifest(p, triggers));
    }

    // Every PL/pgSQL variable and parameter of generated code is named pg_tviews_*, a prefix the
    // analysis refuses in definitions: with #variable_conflict use_variable, a variable named like a
    // column the embedded SQL reads (n, mode, k1, ...) would silently take that column's place.

    /// <summary>The variable holding the keys' column <paramref name="i"/> (1-based) as an array.</summary>
    private static string KeyVar(int i) => $"pg_tviews_keys{i}";

    private static string KeyVars(TViewPlan p) => string.Join(", ", p.Key.Select((_, i) => KeyVar(i + 1)));

    /// <summary>In the flush function: column <paramref name="i"/> of the keys to patch for the <paramref name="tag"/>-th patchable source.</summary>
    private static string PatchKeyVar(int tag, int i) => $"pg_tviews_patch{tag}_keys{i}";

    private static string KeyParams(TViewPlan p) =>
        string.Join(", ", p.Key.Select((k, i) => $"{KeyVar(i + 1)} {k.Type}[]"));

    private static string KeyArgTypes(TViewPlan p) => string.Join(", ", p.Key.Select(k => $"{k.Type}[]"));

    /// <summary>
    /// Predicate "alias's key is one of the key variables" (index-friendly = ANY for one column);
    /// <paramref name="single"/>: the statement runs only for one key (see <see cref="KeySetFunction"/>).
    /// </summary>
    private static string KeyIn(TViewPlan p, string alias, bool single = false) =>
        KeyIn(p, p.Key.Select(k => $"{alias}.{Quote(k.Name)}").ToList(), single);

    /// <summary><see cref="KeyIn(TViewPlan, string, bool)"/> for the given expressions of the key columns.</summary>
    private static string KeyIn(TViewPlan p, IReadOnlyList<string> columns, bool single) =>
        single ? string.Join(" AND ", columns.Select((c, i) => $"{c} = {KeyVar(i + 1)}[1]"))
        : columns.Count == 1 ? $"{columns[0]} = ANY ({KeyVar(1)})"
        : $"({string.Join(", ", columns)}) IN (SELECT * FROM unnest({KeyVars(p)}))";

    /// <summary>
    /// The key restriction of a recompute through the view. A UNION at the top with a key of several
    /// columns restricts each column alone too (= ANY): PostgreSQL pushes those into every branch (an
    /// index scan on the branch's key; a branch whose constant is not asked for is skipped), where the
    /// semi-join with the key pairs alone would scan every branch whole.
    /// </summary>
    private static string RecomputeKeyIn(TViewPlan p, string alias, Func<int, string> keyVar, string keyIn) =>
        p.Windows is { } windows ? keyIn + WindowPushdown(p, windows, alias, keyVar)
        : !p.TopLevelUnion || p.Key.Count == 1 ? keyIn
        : string.Join(" AND ", p.Key.Select((k, i) => $"{alias}.{Quote(k.Name)} = ANY ({keyVar(i + 1)})")) + " AND " + keyIn;

    // Windows partitioned by something other than the key (docs/sql.md): a change recomputes the
    // partitions it touches. Their columns are stored in the TVIEW; the projection (the definition
    // without its windows) tells which partition a key is in now, and which keys a partition holds.

    /// <summary>
    /// Restricts a recompute of some keys to their partitions now, on the columns every window is
    /// partitioned by: PostgreSQL pushes that below the windows (the key restriction alone would stop
    /// above them and evaluate the whole definition). Whole partitions are kept, so the windows are
    /// exact. Not for array columns, which <c>= ANY (ARRAY(...))</c> would flatten.
    /// </summary>
    private static string WindowPushdown(TViewPlan p, WindowPartitionPlan w, string alias, Func<int, string> keyVar)
    {
        const string d = "pg_tviews_d";
        var keyIn = p.Key.Count == 1
            ? $"{d}.{Quote(p.Key[0].Name)} = ANY ({keyVar(1)})"
            : $"({string.Join(", ", p.Key.Select(k => $"{d}.{Quote(k.Name)}"))}) IN (SELECT * FROM unnest({string.Join(", ", p.Key.Select((_, i) => keyVar(i + 1)))}))";
        var sb = new StringBuilder();
        foreach (var c in w.PushdownColumns.Where(c => !p.Columns.First(x => x.Name == c).Type.EndsWith("[]", StringComparison.Ordinal)))
        {
            var col = Quote(c);
            sb.Append($"\n              AND ({alias}.{col} = ANY (ARRAY(SELECT {d}.{col} FROM ({w.Projection}) AS {d} WHERE {keyIn}))");
            sb.Append($"\n                   OR ({alias}.{col} IS NULL AND EXISTS (SELECT FROM ({w.Projection}) AS {d} WHERE {keyIn} AND {d}.{col} IS NULL)))");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The keys to recompute after a change to <paramref name="s"/>, for a TVIEW with windows: the keys
    /// its key queries find, then, per window partition, the partitions the change touches and every key
    /// in them, in the definition now (moved in, or staying) and in the TVIEW (moved out, or deleted).
    /// The touched partitions are those the source's partition queries find over each delta, and those
    /// the found keys are in, stored and now: a row whose partition column comes from the nullable side
    /// of an outer join changes partition without any delta holding its old or new value.
    /// </summary>
    private static string WindowKeyQuery(TViewPlan p, SourcePlan s, IReadOnlyList<(string Relation, string? RemovedFrom)> deltas)
    {
        var table = Quote(p.Schema, p.Table);
        List<string> Over(IReadOnlyList<IKeyQuery> queries) =>
            deltas.SelectMany(d => queries.Select(q => "(" + q.Render(d.Relation, d.RemovedFrom, d.RemovedFrom is null ? null : table) + ")")).ToList();
        return WindowMembers(p, p.Windows!, string.Join(" UNION ALL ", Over(s.KeyQueries)), j => Over(s.PartitionQueries[j]));
    }

    /// <summary>
    /// The keys of <paramref name="found"/> (a query of key columns) and every key in a window
    /// partition they are in, stored or now, or that <paramref name="touched"/> (per partition, queries
    /// of its values) names: in the definition now (moved in, or staying) and in the TVIEW (moved out,
    /// or deleted).
    /// </summary>
    private static string WindowMembers(TViewPlan p, WindowPartitionPlan w, string found, Func<int, IReadOnlyList<string>> touched)
    {
        var table = Quote(p.Schema, p.Table);
        string Keys(string alias) => string.Join(", ", p.Key.Select(k => $"{alias}.{Quote(k.Name)}"));
        string Found(string alias) => $"({Keys(alias)}) IN (SELECT * FROM pg_tviews_keys)";
        var ctes = new List<string> { $"pg_tviews_keys ({string.Join(", ", p.Key.Select(k => Quote(k.Name)))}) AS MATERIALIZED ({found})" };
        var selects = new List<string> { $"SELECT {Keys("pg_tviews_k")} FROM pg_tviews_keys AS pg_tviews_k" };
        for (var j = 0; j < w.Partitions.Count; j++)
        {
            var set = w.Partitions[j];
            var parts = $"pg_tviews_parts{j + 1}";
            string Values(string alias) => set.Count == 0 ? "true" : string.Join(", ", set.Select(c => $"{alias}.{Quote(c)}"));
            var values = touched(j)
                .Append($"SELECT {Values("pg_tviews_t")} FROM {table} AS pg_tviews_t WHERE {Found("pg_tviews_t")}")
                .Append($"SELECT {Values("pg_tviews_d")} FROM ({w.Projection}) AS pg_tviews_d WHERE {Found("pg_tviews_d")}");
            IReadOnlyList<string> columns = set.Count == 0 ? [TViews.Analysis.DefinitionAnalyzer.WholeResultColumn] : set;
            ctes.Add($"{parts} ({string.Join(", ", columns.Select(Quote))}) AS MATERIALIZED ({string.Join(" UNION ALL ", values)})");
            selects.AddRange(PartitionRows(set, "pg_tviews_d", parts).Select(c => $"SELECT {Keys("pg_tviews_d")} FROM ({w.Projection}) AS pg_tviews_d WHERE {c}"));
            selects.AddRange(PartitionRows(set, "pg_tviews_t", parts).Select(c => $"SELECT {Keys("pg_tviews_t")} FROM {table} AS pg_tviews_t WHERE {c}"));
        }
        return $"WITH {string.Join(", ", ctes)} {string.Join(" UNION ALL ", selects)}";
    }

    /// <summary>
    /// Conditions selecting the rows of <paramref name="alias"/> in one of the partitions of
    /// <paramref name="parts"/>, each for a SELECT of its own (an OR would keep PostgreSQL from turning
    /// the IN into a join that reads an index): the non-NULL partitions, then, per column, those where it
    /// is NULL (PARTITION BY groups NULLs; read only when such a partition was touched). A whole-result
    /// partition holds every row once any is touched.
    /// </summary>
    private static List<string> PartitionRows(IReadOnlyList<string> columns, string alias, string parts)
    {
        const string v = "pg_tviews_v";
        if (columns.Count == 0) return [$"EXISTS (SELECT FROM {parts})"];
        var list = new List<string>
        {
            $"({string.Join(", ", columns.Select(c => $"{alias}.{Quote(c)}"))}) IN (SELECT {string.Join(", ", columns.Select(c => $"{v}.{Quote(c)}"))} FROM {parts} AS {v})",
        };
        foreach (var c in columns)
        {
            var same = columns.Where(o => o != c).Select(o => $" AND {v}.{Quote(o)} IS NOT DISTINCT FROM {alias}.{Quote(o)}");
            list.Add($"{alias}.{Quote(c)} IS NULL AND EXISTS (SELECT FROM {parts} AS {v} WHERE {v}.{Quote(c)} IS NULL{string.Concat(same)})");
        }
        return list;
    }

    /// <summary>
    /// Compresses the TVIEW table's compressible columns with lz4 where the server has it (PostgreSQL
    /// 14 or later, built with lz4). Maintenance rewrites a row's document on every change to it, and
    /// lz4 compresses several times faster than the default pglz (docs/design.md, "The TVIEW table").
    /// The test runs on the server, so a migration script stays valid on any PostgreSQL 13 or later;
    /// pg_dump carries the setting.
    /// </summary>
    private static string Lz4Compression(string table)
    {
        var regclass = $"{Literal(table)}::pg_catalog.regclass";
        var body = $"""
            DECLARE pg_tviews_c record;
            BEGIN
                IF EXISTS (SELECT FROM pg_catalog.pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
                    FOR pg_tviews_c IN SELECT a.attname FROM pg_catalog.pg_attribute AS a JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
                        WHERE a.attrelid = {regclass} AND a.attnum > 0 AND NOT a.attisdropped AND t.typstorage IN ('x', 'm') ORDER BY a.attnum
                    LOOP
                        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET COMPRESSION lz4', {regclass}, pg_tviews_c.attname);
                    END LOOP;
                END IF;
            END
            """;
        return $"DO {Literal(body)}";
    }

    /// <summary>An index on the TVIEW's columns of each window partition, for the rows a partition held (appended to the table's filling).</summary>
    private static string WindowIndexes(TViewPlan p, WindowPartitionPlan w)
    {
        var sb = new StringBuilder();
        var done = new List<IReadOnlyList<string>>();
        foreach (var set in w.Partitions.Where(x => x.Count > 0))
        {
            if (done.Any(x => x.SequenceEqual(set)) || p.Key.Take(set.Count).Select(k => k.Name).SequenceEqual(set)) continue;
            done.Add(set);
            var name = Generated($"pg_tviews_{p.Table}_{string.Join("_", set)}_idx");
            sb.Append($";\nCREATE INDEX {Quote(name)} ON {Quote(p.Schema, p.Table)} ({string.Join(", ", set.Select(Quote))})");
        }
        return sb.ToString();
    }

    /// <summary>
    /// Which rows of the key union (alias <c>u</c>, columns k1..kn) are keys: a NULL key of a keyed TVIEW
    /// is no row (a key query over an outer join's NULLs); a multiset's NULL is a value its rows may have.
    /// </summary>
    private static string KeysFound(TViewPlan p) => p.Multiset ? "true"
        : string.Join(" AND ", p.Key.Select((_, i) => $"u.k{i + 1} IS NOT NULL"));

    private static string KeyEq(TViewPlan p, string a, string b) =>
        string.Join(" AND ", p.Key.Select(k => $"{a}.{Quote(k.Name)} = {b}.{Quote(k.Name)}"));

    private static string Cmp(ColumnPlan c, string alias) =>
        c.Comparable ? $"{alias}.{Quote(c.Name)}" : $"{alias}.{Quote(c.Name)}::text";

    /// <summary>
    /// A function over a set of keys (one array per key column) that returns the rows it wrote. Its
    /// statements are small cached plans (<see cref="CachedPlansClause"/>): JIT compilation (hundreds
    /// of ms on bulk statements) never pays for itself there, so it is off for the function's duration.
    /// </summary>
    /// <remarks>
    /// The body comes twice: for one key, with the key compared by <c>=</c>, and for several, with
    /// <c>= ANY</c>. A cached (generic) plan assumes ten elements in an array parameter, and for ten
    /// rows it hashes a joined table of a thousand rows rather than probing its index ten times; a
    /// single-row write then paid a sequential scan per join (a comment insert's recompute: 0.35 ms).
    /// With <c>=</c> on a unique key the plan expects one row and probes indexes.
    /// </remarks>
    private static string KeySetFunction(TViewPlan p, string name, string comment, Func<bool, string> body, string declarations = "", string prologue = "") => SafeDollarQuote($"""
        CREATE OR REPLACE FUNCTION {Quote(p.Schema, name)}({KeyParams(p)}) RETURNS bigint
        LANGUAGE plpgsql SET jit = off {CachedPlansClause} {SearchPathClause(p)} AS {BodyOpen}
        #variable_conflict use_variable
        -- {Comment(comment)}
        DECLARE
            pg_tviews_written bigint;{declarations}
        BEGIN
            IF {KeyVar(1)} IS NULL OR cardinality({KeyVar(1)}) = 0 THEN
                RETURN 0;
            END IF;{prologue}
            IF cardinality({KeyVar(1)}) = 1 THEN
        {body(true)}
            ELSE
        {body(false)}
            END IF;
            RETURN pg_tviews_written;
        END
        {BodyClose}
        """);

    /// <summary>
    /// Text for a <c>--</c> comment of generated code: line breaks and other control characters in
    /// names (which PostgreSQL allows in quoted identifiers) would end the comment and turn the rest
    /// of the name into code.
    /// </summary>
    internal static string Comment(string text) =>
        new(text.Select(ch => char.IsControl(ch) || ch is '\u2028' or '\u2029' ? '?' : ch).ToArray());

    /// <summary>
    /// The search_path every generated function runs with: pg_catalog first, then the schemas the
    /// definition's functions, operators and types live in, pg_temp last. A writer's own search_path
    /// (a schema of its own with a better-matching overload of a built-in) can then change nothing.
    /// </summary>
    public static string SearchPathValue(TViewPlan p) =>
        string.Join(", ", new[] { "pg_catalog" }.Concat(p.SearchPath.Select(Quote)).Append("pg_temp"));

    private static string SearchPathClause(TViewPlan p) => $"SET search_path = {SearchPathValue(p)}";

    /// <summary>
    /// The setting of every function on the write path (triggers, key-set functions, flushes): plans
    /// built once per session and reused. Left to itself PostgreSQL plans a statement with
    /// parameters anew at every call unless the generic plan's estimate beats the custom ones, and
    /// with a key array as parameter it rarely does: planning was most of a one-row write's
    /// maintenance (a title edit: 0.50 ms a transaction, 0.31 ms with cached plans; docs/benchmarks.md).
    /// The refresh functions keep custom plans: they run rarely, on batches whose size they know.
    /// </summary>
    internal const string CachedPlansClause = "SET plan_cache_mode = force_generic_plan";

    // Generated function bodies are written between these markers: NUL occurs in no PostgreSQL
    // name or text, so they cannot be confused with anything a definition contains.
    private const string BodyOpen = "\0pg_tviews_body\0";
    private const string BodyClose = "\0/pg_tviews_body\0";

    /// <summary>
    /// Dollar-quotes the body between <see cref="BodyOpen"/> and <see cref="BodyClose"/> with a tag
    /// that occurs nowhere in it: the body embeds the definition's SQL, whose string literals and
    /// quoted names may contain any text, <c>$pg_tviews$</c> included.
    /// </summary>
    internal static string SafeDollarQuote(string ddl)
    {
        var open = ddl.IndexOf(BodyOpen, StringComparison.Ordinal);
        var close = ddl.IndexOf(BodyClose, StringComparison.Ordinal);
        if (open < 0 || close < open) throw new InvalidOperationException("generated function without its body markers");
        var body = ddl[(open + BodyOpen.Length)..close];
        var tag = "$pg_tviews$";
        for (var n = 1; body.Contains(tag, StringComparison.Ordinal); n++) tag = $"$pg_tviews_{n}$";
        return ddl[..open] + tag + body + tag + ddl[(close + BodyClose.Length)..];
    }

    private string ApplyFunction(TViewPlan p)
    {
        var table = Quote(p.Schema, p.Table);
        var view = Quote(p.Schema, p.View);
        var cols = string.Join(", ", p.Columns.Select(c => Quote(c.Name)));
        var keyNames = p.Key.Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        var rest = p.Columns.Where(c => !keyNames.Contains(c.Name)).ToList();
        var conflict = rest.Count == 0
            ? "DO NOTHING"
            : $"""
              DO UPDATE SET {string.Join(", ", rest.Select(c => $"{Quote(c.Name)} = excluded.{Quote(c.Name)}"))}
                      WHERE ({string.Join(", ", rest.Select(c => Cmp(c, "t")))}) IS DISTINCT FROM ({string.Join(", ", rest.Select(c => Cmp(c, "excluded")))})
              """;
        if (rest.Count == 1) // a one-element row constructor is not a row: compare the values directly
            conflict = $"DO UPDATE SET {Quote(rest[0].Name)} = excluded.{Quote(rest[0].Name)}\n        WHERE {Cmp(rest[0], "t")} IS DISTINCT FROM {Cmp(rest[0], "excluded")}";
        var vKeys = string.Join(", ", p.Key.Select(k => "v." + Quote(k.Name)));
        // A key the definition yields twice would make the upsert fail with PostgreSQL's generic ON
        // CONFLICT error, or (with DO NOTHING, or when the first row left the stored one unchanged)
        // keep one row silently. Find it first, write nothing, and raise an error that names the TVIEW
        // and the key. Always: a key proven unique by the sources' constraints when the TVIEW was
        // created stops being unique if one of them is dropped later.
        var dupCte = $"""
            , pg_tviews_dup AS MATERIALIZED (
                    SELECT ROW({vKeys})::text AS pg_tviews_key FROM pg_tviews_fresh_keys AS v
                    GROUP BY {vKeys} HAVING count(*) > 1 LIMIT 1
                )
            """;
        var putGuard = "\n        WHERE NOT EXISTS (SELECT FROM pg_tviews_dup)";
        var dupInto = ", (SELECT d.pg_tviews_key FROM pg_tviews_dup AS d)";
        var dupVar = ", pg_tviews_dup_key";
        var keyText = string.Join(", ", p.Key.Select(k => k.Name));
        // One evaluation of the definition for the keys feeds both the delete and the upsert; the key
        // restriction sits inside the CTE so PostgreSQL pushes it down (also into a grouped view).
        string Statement(bool single) => $"""
                WITH pg_tviews_fresh AS MATERIALIZED (
                    SELECT {string.Join(", ", p.Columns.Select(c => "v." + Quote(c.Name)))}
                    FROM {view} AS v
                    WHERE {RecomputeKeyIn(p, "v", KeyVar, KeyIn(p, "v", single))}
                ), pg_tviews_fresh_keys AS MATERIALIZED (
                    -- the anti-join below hashes keys only, not whole (jsonb) rows
                    SELECT {vKeys} FROM pg_tviews_fresh AS v
                ){dupCte}, pg_tviews_gone AS (
                    DELETE FROM {table} AS t
                    WHERE {KeyIn(p, "t", single)}
                      AND NOT EXISTS (SELECT 1 FROM pg_tviews_fresh_keys AS v WHERE {KeyEq(p, "v", "t")})
                    RETURNING 1
                ), pg_tviews_put AS (
                    INSERT INTO {table} AS t ({cols})
                    SELECT {string.Join(", ", p.Columns.Select(c => "v." + Quote(c.Name)))} FROM pg_tviews_fresh AS v{putGuard}
                    ON CONFLICT ({string.Join(", ", p.Key.Select(k => Quote(k.Name)))}) {conflict}
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM pg_tviews_gone) + (SELECT count(*) FROM pg_tviews_put){dupInto} INTO pg_tviews_written{dupVar};
            """;
        var dupDetail = p.EnforceUniqueKey
            ? "The key was given explicitly and is not provably unique; the statement that made it repeat is refused."
            : "The key was proven unique by constraints of the sources when the TVIEW was created; one of them is gone. The statement that made it repeat is refused.";
        var dupHint = p.EnforceUniqueKey
            ? "Make the key unique in the sources (a unique constraint), or recreate the TVIEW with a unique key."
            : "Restore the dropped primary key or unique constraint, or recreate the TVIEW (tviews apply) so its key is checked again.";
        string Block(bool single) => $"""
                DECLARE
                    pg_tviews_dup_key text;
                BEGIN
                {Statement(single).TrimEnd().Replace("\n", "\n    ", StringComparison.Ordinal)}
                    IF pg_tviews_dup_key IS NOT NULL THEN
                        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                            MESSAGE = format('TVIEW %s: key (%s) = %s is produced by more than one row of its definition',
                                             {Literal($"{p.Schema}.{p.Table}")}, {Literal(keyText)}, pg_tviews_dup_key),
                            DETAIL = {Literal(dupDetail)},
                            HINT = {Literal(dupHint)},
                            SCHEMA = {Literal(p.Schema)}, TABLE = {Literal(p.Table)};
                    END IF;
                END;
            """;
        var windowed = p.Windows is null ? "" : ", with every row of the window partitions they are in, stored or now";
        return KeySetFunction(p, ApplyFunctionName(p),
            $"Recomputes the given keys of {Quote(p.Schema, p.Table)} from its definition{windowed}: deletes keys it no longer yields, inserts new ones, rewrites only rows whose value changed.",
            Block, p.Windows is null ? "" : WindowClosureDeclarations(p), p.Windows is { } w ? WindowClosure(p, w) : "");
    }

    private static string MoreVar(int i) => $"pg_tviews_more{i}";

    private static string WindowClosureDeclarations(TViewPlan p) =>
        string.Concat(p.Key.Select((k, i) => $"\n    {MoreVar(i + 1)} {k.Type}[];"));

    /// <summary>
    /// Before a window TVIEW recomputes its keys: when one of them is stored in another partition than
    /// the definition puts it in now, adds every key in a partition one of them is in, stored or now,
    /// until none is added. A key query finds the partitions a change touches and the keys in them;
    /// but a key found that way may have been moved by a change of the same statement whose own step
    /// has not run yet (one statement deleting a row of a TVIEW this one joins and inserting another:
    /// the delete's step runs with the insert already visible). Its recompute would erase the only
    /// record of the partition it leaves, whose rows would keep its contribution. (A key only stored or
    /// only in the definition now is not moved: the partition it leaves or enters is the one it was
    /// found in, or one its own step reads.)
    /// </summary>
    private static string WindowClosure(TViewPlan p, WindowPartitionPlan w)
    {
        var sets = w.Partitions.Where(x => x.Count > 0).ToList();
        if (sets.Count == 0) return ""; // one partition, the whole result: nothing moves
        var u = string.Join(", ", p.Key.Select((_, i) => $"u.k{i + 1}"));
        // An anti-join PostgreSQL can hash: = ANY over an array variable compares with every element.
        var given = $"EXISTS (SELECT FROM unnest({KeyVars(p)}) AS g ({string.Join(", ", p.Key.Select((_, i) => $"k{i + 1}"))}) WHERE {string.Join(" AND ", p.Key.Select((_, i) => $"g.k{i + 1} = u.k{i + 1}"))})";
        var found = $"SELECT * FROM unnest({KeyVars(p)})";
        var into = string.Join(", ", p.Key.Select((_, i) => MoreVar(i + 1)));
        var add = string.Join(" ", p.Key.Select((_, i) => $"{KeyVar(i + 1)} := {KeyVar(i + 1)} || {MoreVar(i + 1)};"));
        var table = Quote(p.Schema, p.Table);
        string Cols(IReadOnlyList<string> set, string alias) => string.Join(", ", set.Select(c => $"{alias}.{Quote(c)}"));
        var moved = string.Join(" OR ", sets.Select(set => $"ROW({Cols(set, "pg_tviews_t")}) IS DISTINCT FROM ROW({Cols(set, "pg_tviews_d")})"));
        return $"""

                -- A key stored in another partition than it is in now: every row of the window partitions
                -- of these keys, stored or now, until none is added.
                IF EXISTS (SELECT FROM {table} AS pg_tviews_t JOIN ({w.Projection}) AS pg_tviews_d ON {KeyEq(p, "pg_tviews_d", "pg_tviews_t")}
                           WHERE {KeyIn(p, "pg_tviews_t")} AND ({moved})) THEN
                    LOOP
                        SELECT {string.Join(", ", p.Key.Select((_, i) => $"array_agg(c.k{i + 1})"))} INTO {into}
                        FROM (SELECT DISTINCT {u} FROM ({WindowMembers(p, w, found, _ => [])}) AS u ({string.Join(", ", p.Key.Select((_, i) => $"k{i + 1}"))})
                              WHERE {KeysFound(p)} AND NOT ({given})) AS c;
                        EXIT WHEN {MoreVar(1)} IS NULL;
                        {add}
                    END LOOP;
                END IF;
        """;
    }

    // A multiset TVIEW (no unique key, docs/sql.md): its "key" columns find rows without telling them
    // apart, and may be NULL. A recompute replaces every stored row with the given values by the rows
    // the definition yields with them now: duplicates are rows of their own, so there is nothing to
    // upsert by.

    /// <summary>
    /// An index on the first column that finds rows and whose type can be indexed whole whatever its
    /// values (btree for fixed-length types; hash, which stores only a hash, for strings and numerics:
    /// a btree entry over a long text would make a valid write fail). Empty when there is none.
    /// </summary>
    private static string MultisetIndex(TViewPlan p)
    {
        if (p.Key.FirstOrDefault(k => k.IndexMethod is not null) is not { } c) return "";
        var name = Generated($"pg_tviews_{p.Table}_{c.Name}_idx");
        return $"CREATE INDEX {Quote(name)} ON {Quote(p.Schema, p.Table)} USING {c.IndexMethod} ({Quote(c.Name)})";
    }

    /// <summary>
    /// The rows of <paramref name="alias"/> whose find columns hold one of the given value tuples with
    /// no NULL: <c>= ANY</c> / <c>IN</c>, which PostgreSQL pushes into the definition and reads through
    /// indexes (a tuple with a NULL matches nothing here).
    /// </summary>
    private static string MultisetMatch(TViewPlan p, string alias, bool single) => p.WholeMultiset ? "true" : KeyIn(p, alias, single);

    /// <summary>
    /// The rows of <paramref name="alias"/> matching a given tuple that has a NULL, NULL matching NULL.
    /// Gated by <c>pg_tviews_nulls</c> (whether any tuple has one): PostgreSQL then skips the scan, which
    /// IS NOT DISTINCT FROM cannot restrict, unless such a tuple was asked for.
    /// </summary>
    private static string MultisetNullMatch(TViewPlan p, string alias)
    {
        if (p.WholeMultiset) return "false";
        var same = string.Join(" AND ", p.Key.Select((k, i) => $"pg_tviews_u.pg_tviews_c{i + 1} IS NOT DISTINCT FROM {alias}.{Quote(k.Name)}"));
        return $"pg_tviews_nulls AND EXISTS (SELECT FROM {MultisetTuples(p)} WHERE ({MultisetTupleHasNull(p)}) AND {same})";
    }

    /// <summary>The given value tuples as a relation <c>pg_tviews_u (pg_tviews_c1, ...)</c>.</summary>
    private static string MultisetTuples(TViewPlan p) =>
        $"unnest({KeyVars(p)}) AS pg_tviews_u ({string.Join(", ", p.Key.Select((_, i) => $"pg_tviews_c{i + 1}"))})";

    private static string MultisetTupleHasNull(TViewPlan p) =>
        string.Join(" OR ", p.Key.Select((_, i) => $"pg_tviews_u.pg_tviews_c{i + 1} IS NULL"));

    private string MultisetApplyFunction(TViewPlan p)
    {
        var table = Quote(p.Schema, p.Table);
        var view = Quote(p.Schema, p.View);
        var cols = string.Join(", ", p.Columns.Select(c => Quote(c.Name)));
        var vCols = string.Join(", ", p.Columns.Select(c => "v." + Quote(c.Name)));
        // The stored rows with the values and what the definition yields for them now are paired up as
        // text, the n-th copy of a row with the n-th copy of an equal row (text equality is what "equal
        // rows" means for every type, json included; the whole row is read under the reserved alias, as
        // a column may be named t). Only the unpaired are deleted (by ctid) or inserted: an unchanged
        // row is not rewritten, nor recomputed by dependents.
        var rowText = $"ROW({vCols})::text";
        string Statement(bool single) => $"""
                DECLARE
                    pg_tviews_nulls boolean := EXISTS (SELECT FROM {MultisetTuples(p)} WHERE {MultisetTupleHasNull(p)});
                BEGIN
                    WITH pg_tviews_old AS MATERIALIZED (
                        SELECT pg_tviews_t.ctid AS pg_tviews_id, pg_tviews_t::text AS pg_tviews_r FROM {table} AS pg_tviews_t WHERE {MultisetMatch(p, "pg_tviews_t", single)}
                        UNION ALL
                        SELECT pg_tviews_t.ctid, pg_tviews_t::text FROM {table} AS pg_tviews_t WHERE {MultisetNullMatch(p, "pg_tviews_t")}
                    ), pg_tviews_fresh AS MATERIALIZED (
                        SELECT {vCols}, {rowText} AS pg_tviews_r FROM {view} AS v WHERE {MultisetMatch(p, "v", single)}
                        UNION ALL
                        SELECT {vCols}, {rowText} FROM {view} AS v WHERE {MultisetNullMatch(p, "v")}
                    ), pg_tviews_old_n AS MATERIALIZED (
                        SELECT o.pg_tviews_id, o.pg_tviews_r, row_number() OVER (PARTITION BY o.pg_tviews_r) AS pg_tviews_n FROM pg_tviews_old AS o
                    ), pg_tviews_fresh_n AS MATERIALIZED (
                        SELECT v.*, row_number() OVER (PARTITION BY v.pg_tviews_r) AS pg_tviews_n FROM pg_tviews_fresh AS v
                    ), pg_tviews_gone AS (
                        DELETE FROM {table} AS t
                        WHERE t.ctid = ANY (ARRAY(SELECT o.pg_tviews_id FROM pg_tviews_old_n AS o
                                                  WHERE NOT EXISTS (SELECT FROM pg_tviews_fresh_n AS f WHERE f.pg_tviews_r = o.pg_tviews_r AND f.pg_tviews_n = o.pg_tviews_n)))
                        RETURNING 1
                    ), pg_tviews_put AS (
                        INSERT INTO {table} AS t ({cols})
                        SELECT {vCols} FROM pg_tviews_fresh_n AS v
                        WHERE NOT EXISTS (SELECT FROM pg_tviews_old_n AS o WHERE o.pg_tviews_r = v.pg_tviews_r AND o.pg_tviews_n = v.pg_tviews_n)
                        RETURNING 1
                    )
                    SELECT (SELECT count(*) FROM pg_tviews_gone) + (SELECT count(*) FROM pg_tviews_put)
                    INTO pg_tviews_written;
                END;
            """;
        return KeySetFunction(p, ApplyFunctionName(p),
            $"Recomputes the rows of the multiset {Quote(p.Schema, p.Table)} with the given values of ({string.Join(", ", p.Key.Select(k => k.Name))}): replaces them by what its definition yields for those values.",
            Statement);
    }

    /// <summary>
    /// Recomputes only the leaves of the given keys' rows that read source <paramref name="s"/>, and
    /// writes a row only when one of them changed.
    /// </summary>
    private string PatchFunction(TViewPlan p, SourcePlan s)
    {
        var patch = s.Patch!;
        var table = Quote(p.Schema, p.Table);
        var columns = p.Columns.ToDictionary(c => c.Name);
        var assignments = new List<string>();
        var oldValues = new List<string>();
        var newValues = new List<string>();
        foreach (var group in patch.Leaves.GroupBy(l => l.Column))
        {
            var col = Quote(group.Key);
            var comparable = columns[group.Key].Comparable;
            if (group.Any(l => l.JsonKey is null))
            {
                var leaf = group.First(l => l.JsonKey is null);
                assignments.Add($"{col} = s.{Quote(leaf.ValueColumn)}");
                oldValues.Add(comparable ? $"t.{col}" : $"t.{col}::text");
                newValues.Add(comparable ? $"s.{Quote(leaf.ValueColumn)}" : $"s.{Quote(leaf.ValueColumn)}::text");
                continue;
            }
            var expr = $"t.{col}";
            foreach (var leaf in group)
            {
                expr = $"jsonb_set({expr}, ARRAY[{Literal(leaf.JsonKey!)}], s.{Quote(leaf.ValueColumn)})";
                oldValues.Add($"t.{col} -> {Literal(leaf.JsonKey!)}");
                newValues.Add($"s.{Quote(leaf.ValueColumn)}");
            }
            assignments.Add($"{col} = {expr}");
        }
        var leafKeys = p.Key.Select((_, i) => $"q.\"pg_tviews_k{i + 1}\"").ToList();
        var keyEq = string.Join(" AND ", p.Key.Select((k, i) => $"t.{Quote(k.Name)} = s.\"pg_tviews_k{i + 1}\""));
        var changed = oldValues.Count == 1
            ? $"{oldValues[0]} IS DISTINCT FROM {newValues[0]}"
            : $"({string.Join(", ", oldValues)}) IS DISTINCT FROM ({string.Join(", ", newValues)})";
        var leafNames = string.Join(", ", patch.Leaves.Select(l => l.JsonKey is null ? l.Column : $"{l.Column}->'{l.JsonKey}'"));
        return KeySetFunction(p, PatchFunctionName(p, s),
            $"A change to {Quote(s.Schema, s.Table)} that cannot change which rows exist: recompute only {leafNames}.",
            single => $"""
                -- Materialized: each leaf is computed once, not once per reference below.
                WITH s AS MATERIALIZED (SELECT * FROM ({patch.LeafQuery}) AS q WHERE {KeyIn(p, leafKeys, single)})
                UPDATE {table} AS t
                SET {string.Join(", ", assignments)}
                FROM s
                WHERE {keyEq}
                  AND {KeyIn(p, "t", single)}
                  AND {changed};
                GET DIAGNOSTICS pg_tviews_written = ROW_COUNT;
            """);
    }

    private string SyncFunction(TViewPlan p)
    {
        var table = Quote(p.Schema, p.Table);
        var view = Quote(p.Schema, p.View);
        string Batch(int i) => $"pg_tviews_batch{i}";
        string KeyCols(string alias) => string.Join(", ", p.Key.Select(k => $"{alias}.{Quote(k.Name)}"));
        var decl = string.Join("\n    ", p.Key.Select((k, i) => $"{Batch(i + 1)} {k.Type}[] := '{{}}';"));
        var append = string.Join("\n            ", p.Key.Select((k, i) => $"{Batch(i + 1)} := {Batch(i + 1)} || pg_tviews_row.{Quote(k.Name)};"));
        var reset = string.Join(" ", p.Key.Select((_, i) => $"{Batch(i + 1)} := '{{}}';"));
        var args = string.Join(", ", p.Key.Select((_, i) => Batch(i + 1)));
        var bIn = RecomputeKeyIn(p, "v", Batch, p.Key.Count == 1
            ? $"v.{Quote(p.Key[0].Name)} = ANY ({Batch(1)})"
            : $"({KeyCols("v")}) IN (SELECT * FROM unnest({args}))");
        var cols = string.Join(", ", p.Columns.Select(c => Quote(c.Name)));
        var vCols = string.Join(", ", p.Columns.Select(c => "v." + Quote(c.Name)));
        var entity = Literal(p.Entity);
        // The keys to reconcile: every key stored or yielded (a multiset no column finds: its one pseudo-value).
        var reconcileKeys = p.WholeMultiset ? "SELECT true AS pg_tviews_all"
            : $"SELECT {KeyCols("v")} FROM {view} AS v UNION SELECT {KeyCols("t")} FROM {table} AS t";
        var rebuild = p.Multiset
            ? $"""
                IF pg_tviews_mode = 'rebuild' THEN
                    -- a multiset: its values do not tell rows apart, so it is refilled in one statement
                    TRUNCATE {table};
                    INSERT INTO {table} ({cols}) SELECT {vCols} FROM {view} AS v;
                    GET DIAGNOSTICS pg_tviews_written = ROW_COUNT;
                    EXECUTE format('ANALYZE %s', {Literal(table)});
            """
            : $"""
                IF pg_tviews_mode = 'rebuild' THEN
                    TRUNCATE {table};
                    FOR pg_tviews_row IN SELECT {KeyCols("v")} FROM {view} AS v ORDER BY {KeyCols("v")} LOOP
                        {append}
                        IF cardinality({Batch(1)}) >= {BatchSize} THEN
                            INSERT INTO {table} ({cols}) SELECT {vCols} FROM {view} AS v WHERE {bIn};
                            GET DIAGNOSTICS pg_tviews_n = ROW_COUNT;
                            pg_tviews_written := pg_tviews_written + pg_tviews_n; pg_tviews_done := pg_tviews_done + cardinality({Batch(1)}); {reset}
                            RAISE NOTICE 'pg_tviews_refresh: %: % rows rebuilt so far', {entity}, pg_tviews_done;
                        END IF;
                    END LOOP;
                    IF cardinality({Batch(1)}) > 0 THEN
                        INSERT INTO {table} ({cols}) SELECT {vCols} FROM {view} AS v WHERE {bIn};
                        GET DIAGNOSTICS pg_tviews_n = ROW_COUNT;
                        pg_tviews_written := pg_tviews_written + pg_tviews_n;
                    END IF;
                    EXECUTE format('ANALYZE %s', {Literal(table)});
            """;
        return SafeDollarQuote($"""
            CREATE OR REPLACE FUNCTION {Quote(p.Schema, SyncFunctionName(p))}(pg_tviews_mode text) RETURNS bigint
            LANGUAGE plpgsql {SearchPathClause(p)} AS {BodyOpen}
            #variable_conflict use_variable
            -- Whole-TVIEW work for pg_tviews_refresh, in batches of {BatchSize} keys so memory stays flat:
            -- 'reconcile' recomputes every key and writes only rows that differ; 'rebuild' empties and refills.
            DECLARE
                pg_tviews_row record;
                {decl}
                pg_tviews_done bigint := 0;
                pg_tviews_written bigint := 0;
                pg_tviews_n bigint;
            BEGIN
            {rebuild}
                ELSIF pg_tviews_mode = 'reconcile' THEN
                    FOR pg_tviews_row IN {reconcileKeys} LOOP
                        {append}
                        IF cardinality({Batch(1)}) >= {BatchSize} THEN
                            pg_tviews_written := pg_tviews_written + {Quote(p.Schema, ApplyFunctionName(p))}({args});
                            pg_tviews_done := pg_tviews_done + cardinality({Batch(1)}); {reset}
                            RAISE NOTICE 'pg_tviews_refresh: %: % keys reconciled so far, % rows written', {entity}, pg_tviews_done, pg_tviews_written;
                        END IF;
                    END LOOP;
                    pg_tviews_written := pg_tviews_written + {Quote(p.Schema, ApplyFunctionName(p))}({args});
                ELSE
                    RAISE EXCEPTION 'unknown sync mode: %', pg_tviews_mode;
                END IF;
                RETURN pg_tviews_written;
            END
            {BodyClose}
            """);
    }

    private IReadOnlyList<GeneratedTrigger> GenerateTriggers(TViewPlan p)
    {
        var list = new List<GeneratedTrigger>();
        foreach (var s in p.Sources)
        {
            var label = SourceLabel(p, s);
            foreach (var ev in new[] { "INSERT", "UPDATE", "DELETE", "TRUNCATE" })
            {
                var referencing = ev switch
                {
                    "INSERT" => "REFERENCING NEW TABLE AS pg_tviews_new ",
                    "UPDATE" => "REFERENCING OLD TABLE AS pg_tviews_old NEW TABLE AS pg_tviews_new ",
                    "DELETE" => "REFERENCING OLD TABLE AS pg_tviews_old ",
                    _ => "",
                };
                if (ev == "UPDATE")
                {
                    if (s.ReferencedColumns.Count == 0) continue; // no column read: updates never matter
                    var dispatcher = UpdateDispatcherName(s);
                    // The WHEN keeps the call out of UPDATEs no gate marked: PostgreSQL evaluates it
                    // in C when it queues the event (after the BEFORE STATEMENT gates), and skipping
                    // the PL/pgSQL call saves more than the WHEN costs (docs/benchmarks.md).
                    var shared = $"CREATE TRIGGER {Quote(UpdateTriggerName)} AFTER UPDATE ON {Quote(s.Schema, s.Table)} {referencing}FOR EACH STATEMENT " +
                                 $"WHEN (current_setting({Literal(UpdateFlag(s))}, true) <> '') EXECUTE FUNCTION {Rt(dispatcher)}()";
                    list.Add(new GeneratedTrigger(s.Schema, s.Table, UpdateTriggerName, ev, dispatcher, null, shared, TriggerCode(p, s, ev, null), Gate(p, s)));
                    continue;
                }
                var suffix = ev[..3].ToLowerInvariant();
                var fn = Generated($"pg_tviews_{p.Entity}__{label}_{suffix}");
                var trg = Generated($"pg_tviews_{p.Depth:00}_{p.Entity}_{suffix}");
                var fnDdl = TriggerCode(p, s, ev, fn);
                var trgDdl = $"CREATE TRIGGER {Quote(trg)} AFTER {ev} ON {Quote(s.Schema, s.Table)} {referencing}FOR EACH STATEMENT EXECUTE FUNCTION {Quote(p.Schema, fn)}()";
                list.Add(new GeneratedTrigger(s.Schema, s.Table, trg, ev, fn, fnDdl, trgDdl));
                if (ev == "TRUNCATE")
                {
                    // Counts the tables one TRUNCATE empties (a partitioned table and each partition, a
                    // CASCADE, a list): their AFTER triggers rebuild once, at the last of them.
                    var before = Generated($"pg_tviews_{p.Depth:00}_{p.Entity}_trb");
                    list.Add(new GeneratedTrigger(s.Schema, s.Table, before, ev, "pg_tviews_truncating", null,
                        $"CREATE TRIGGER {Quote(before)} BEFORE TRUNCATE ON {Quote(s.Schema, s.Table)} FOR EACH STATEMENT EXECUTE FUNCTION {Rt("pg_tviews_truncating")}({Literal(p.Entity)})"));
                }
            }
        }
        return list;
    }

    /// <summary>The one UPDATE trigger on a source table, shared by the TVIEWs that read it.</summary>
    public const string UpdateTriggerName = "pg_tviews_update";

    /// <summary>Its function, in the runtime schema: the table name for people, a hash of the qualified name for uniqueness.</summary>
    public static string UpdateDispatcherName(SourcePlan s) => Generated($"pg_tviews_update__{s.Table}_{QualifiedNameHash(s)}");

    private static string QualifiedNameHash(SourcePlan s) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s.QualifiedName)))[..8].ToLowerInvariant();

    /// <summary>
    /// The transaction-local setting (a valid custom GUC name) in which the gates of a source table
    /// list the TVIEWs (",entity,") an UPDATE of it in this transaction may concern. One per table,
    /// so the shared UPDATE function's fast path is a single test.
    /// </summary>
    public static string UpdateFlag(SourcePlan s)
    {
        var clean = new string(s.Table.ToLowerInvariant().Select(ch => ch is >= 'a' and <= 'z' or >= '0' and <= '9' ? ch : '_').ToArray());
        return $"pg_tviews.upd_{clean}_{QualifiedNameHash(s)}";
    }

    private static string EntityMark(TViewPlan p) => "," + p.Entity + ",";

    /// <summary>How pg_tviews_lock_shared names the TVIEW in pg_tviews.slots: ',' + its name's UTF-8 bytes in hex + ':'.</summary>
    private static string SlotMark(TViewPlan p) => "," + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(p.Entity)) + ":";

    private GeneratedGate Gate(TViewPlan p, SourcePlan s)
    {
        var name = Generated($"pg_tviews_{p.Depth:00}_{p.Entity}_gate");
        var flag = UpdateFlag(s);
        var head = $"CREATE TRIGGER {Quote(name)} BEFORE UPDATE";
        var tail = $"ON {Quote(s.Schema, s.Table)} FOR EACH STATEMENT EXECUTE FUNCTION {Rt("pg_tviews_gate")}({Literal(flag)}, {Literal(EntityMark(p))})";
        var columns = string.Join(", ", s.ReferencedColumns.Select(c => Quote(c.Name)));
        return new GeneratedGate(name, flag, $"{head} OF {columns} {tail}", $"{head} {tail}", s.ReferencedColumns.Select(c => c.Name).ToList());
    }

    /// <summary>
    /// The maintenance of <paramref name="p"/> for an event on <paramref name="s"/>: a trigger function
    /// named <paramref name="fn"/>, or (fn null) a labelled block of the shared UPDATE function, which
    /// leaves with EXIT where a function would RETURN.
    /// </summary>
    private string TriggerCode(TViewPlan p, SourcePlan s, string ev, string? fn)
    {
        var sb = new StringBuilder();
        var entity = Literal(p.Entity);
        var label = $"pg_tviews_{p.Entity}"; // entity names are [a-z0-9_]: a plain label (the runtime finds parts by it)
        var exit = fn is null ? $"EXIT {label};" : "RETURN NULL;";
        if (fn is null)
        {
            sb.AppendLine($"-- {Comment($"{ev} on {Quote(s.Schema, s.Table)} -> {Quote(p.Schema, p.Table)}")}");
            sb.AppendLine($"<<{label}>>");
        }
        else
        {
            sb.AppendLine($"CREATE OR REPLACE FUNCTION {Quote(p.Schema, fn)}() RETURNS trigger");
            // Runs as the TVIEW's owner: a writer needs rights on the sources it writes, nothing on
            // the TVIEW, its definition view or the runtime's lock state.
            sb.AppendLine($"LANGUAGE plpgsql SECURITY DEFINER {CachedPlansClause} {SearchPathClause(p)} AS {BodyOpen}");
            sb.AppendLine("#variable_conflict use_variable");
            sb.AppendLine($"-- {Comment($"{ev} on {Quote(s.Schema, s.Table)} -> {Quote(p.Schema, p.Table)}")}");
        }
        sb.AppendLine("DECLARE");
        for (var i = 0; i < p.Key.Count; i++) sb.AppendLine($"    {KeyVar(i + 1)} {p.Key[i].Type}[];");
        if (ev != "TRUNCATE")
        {
            sb.AppendLine("    pg_tviews_mode text;");
            sb.AppendLine("    pg_tviews_queued boolean;");
            sb.AppendLine("    pg_tviews_rows boolean;");
        }
        var keyed = p.KeyLocks is not null && ev != "TRUNCATE";
        // Whether the statement's rows need the keys recomputed whole or only patched: known now, or
        // a test of the transition tables, which a key-level step runs once, before its locks (a patch
        // locks only what it reads).
        var full = ev == "TRUNCATE" ? "true" : NeedsFullRecompute(s, ev);
        var wholeVar = keyed && full is not ("true" or "false") ? "pg_tviews_whole" : null;
        if (keyed)
        {
            sb.AppendLine("    pg_tviews_keyed boolean;");
            sb.AppendLine("    pg_tviews_key_locked boolean;");
            sb.AppendLine("    pg_tviews_lock text;");
            DeclareTokenVariables(sb);
            sb.AppendLine("    pg_tviews_snap pg_snapshot;");
            if (wholeVar is not null) sb.AppendLine($"    {wholeVar} boolean;");
        }
        sb.AppendLine("BEGIN");
        // Not marked by the gate: no UPDATE in this transaction could have changed a column we read.
        if (ev == "UPDATE")
            sb.AppendLine($"    IF strpos(coalesce(current_setting({Literal(UpdateFlag(s))}, true), ''), {Literal(EntityMark(p))}) = 0 THEN {exit} END IF;");
        // One TRUNCATE empties every table it names (and their partitions, and what CASCADE reaches)
        // before any AFTER trigger fires: the last of this TVIEW's to fire rebuilds it. (First: every
        // firing counts down, whatever it does next.)
        if (ev == "TRUNCATE")
            sb.AppendLine($"    IF NOT {Rt("pg_tviews_truncated")}({entity}) THEN {exit} END IF;");
        // A force refresh rebuilding this TVIEW makes the work below redundant.
        // (The setting is a hint a session could SET: the state row must confirm it. Two IFs: the
        // outer test is a simple expression, so the common case runs no query.)
        sb.AppendLine($"    IF strpos(current_setting('pg_tviews.rebuilding', true), {Literal("," + p.Entity + ",")}) > 0 THEN");
        sb.AppendLine($"        IF EXISTS (SELECT FROM {Rt("pg_tviews_state")} AS pg_tviews_s WHERE pg_tviews_s.entity_name = {entity} AND pg_tviews_s.rebuilding_by = pg_current_xact_id()) THEN {exit} END IF;");
        sb.AppendLine("    END IF;");
        var refCols = string.Join(", ", s.ReferencedColumns.Select(c => Cmp(c, "x")));
        // Whether the statement changed rows that matter: tested in the statement that reads the mode.
        string rows;
        switch (ev)
        {
            case "TRUNCATE":
                if (p.Sources.Any(x => x.CountDelta is not null)) sb.AppendLine($"    {MarkRecomputed(p)}");
                AppendStatementLock(sb, p, s, ev, exit);
                sb.AppendLine($"    PERFORM {Rt("pg_tviews_refresh")}({entity}, true);");
                return Close(sb, fn, label);
            // A TVIEW table is updated by maintenance, which writes only rows whose value changes:
            // comparing its documents to find rows that did not would cost more than it saves.
            case "UPDATE" when s.TViewEntity is not null:
            case "INSERT":
                rows = "EXISTS (SELECT FROM pg_tviews_new)";
                break;
            case "UPDATE":
                // Rows whose read columns are unchanged cancel out (multiset difference): nothing to do.
                rows = $"EXISTS (SELECT {refCols} FROM pg_tviews_new AS x EXCEPT ALL SELECT {refCols} FROM pg_tviews_old AS x)";
                break;
            default:
                rows = "EXISTS (SELECT FROM pg_tviews_old)";
                break;
        }
        AppendDeferredBranch(sb, p, s, ev, exit, rows);
        // Serialize maintenance of this TVIEW (or, with key locks, take the key-level writer's lock),
        // then compute keys with a snapshot taken after the lock.
        AppendStatementLock(sb, p, s, ev, exit);
        // Rows an earlier statement of this transaction queued (deferred) are maintained first, so the
        // stored rows are current before this statement's delta is applied to them.
        sb.AppendLine($"    IF pg_tviews_queued THEN PERFORM {Quote(p.Schema, FlushFunctionName(p))}(); END IF;");
        // Each delta, with the transition table its rows were removed from (null for added rows).
        var deltas = new List<(string Relation, string? RemovedFrom)>();
        var with = "";
        switch (ev)
        {
            case "INSERT": deltas.Add(("pg_tviews_new", null)); break;
            case "DELETE": deltas.Add(("pg_tviews_old", "pg_tviews_old")); break;
            case "UPDATE":
                var plain = string.Join(", ", s.ReferencedColumns.Select(c => $"x.{Quote(c.Name)}"));
                // Rows unchanged in every read column cancel out. Types without equality (json, xml, ...)
                // cannot take part in EXCEPT: then all old and new rows count as changed (over-approximation),
                // as for a TVIEW table's rows (changed ones only, see above; a difference over jsonb
                // documents costs about 2 µs a row, 0.2 ms of a rename's cascade to tv_post).
                with = s.ReferencedColumns.All(c => c.Comparable) && s.TViewEntity is null
                    ? $"WITH pg_tviews_removed AS (SELECT {plain} FROM pg_tviews_old AS x EXCEPT ALL SELECT {plain} FROM pg_tviews_new AS x),\n         pg_tviews_added AS (SELECT {plain} FROM pg_tviews_new AS x EXCEPT ALL SELECT {plain} FROM pg_tviews_old AS x)\n    "
                    : "WITH pg_tviews_removed AS (SELECT * FROM pg_tviews_old),\n         pg_tviews_added AS (SELECT * FROM pg_tviews_new)\n    ";
                deltas.Add(("pg_tviews_removed", "pg_tviews_old"));
                deltas.Add(("pg_tviews_added", null));
                break;
        }
        if (s.CountDelta is { } counts)
        {
            string[] changed = ev switch
            {
                "INSERT" => ["pg_tviews_new"],
                "DELETE" => ["pg_tviews_old"],
                _ => ["pg_tviews_added", "pg_tviews_removed"],
            };
            var groupKeys = CountGroupKeys(p, counts, changed, with);
            if (keyed)
            {
                // The groups of the changed rows are the keys: the batch locks the rows' lookup values
                // exclusively (every recompute of their groups reads them, so it is ordered with this
                // step, and so is any other step adding to them), and what a recompute of the groups
                // reads. The groups are the rows' own columns, so after a commit they are not computed
                // again: the same keys, whose lookups are locked (docs/design.md, "Counts kept from the delta").
                sb.AppendLine("    IF pg_tviews_keyed THEN pg_tviews_snap := pg_current_snapshot(); END IF;");
                sb.AppendLine($"    {groupKeys}");
                AppendKeyLocks(sb, p, s, deltas.Select(d => d.Relation).ToList(), with, keyQuery: "", patching: null);
            }
            // A recompute of this TVIEW earlier in the same statement may already have counted these
            // rows (a writable CTE inserting a group and its rows, a cascade): recompute their groups
            // instead of adding to them.
            sb.AppendLine($"    IF {RecomputedInStatement(p)} THEN");
            if (!keyed) sb.AppendLine($"        {groupKeys}");
            sb.AppendLine($"        PERFORM {Quote(p.Schema, ApplyFunctionName(p))}({KeyVars(p)});");
            sb.AppendLine("    ELSE");
            AppendCountDelta(sb, p, counts, ev, with);
            sb.AppendLine("    END IF;");
            return Close(sb, fn, label);
        }
        List<string> parts;
        if (p.Windows is not null) parts = ["(" + WindowKeyQuery(p, s, deltas) + ")"];
        else if (ev == "UPDATE") (parts, with) = BothSidesAtOnce(p, s, deltas[0], deltas[1], with);
        else parts = deltas.SelectMany(d => s.KeyQueries.Select(q => KeyQueryPart(p, q, d.Relation, d.RemovedFrom))).ToList();
        var uColumns = string.Join(", ", p.Key.Select((_, i) => $"k{i + 1}")); // column aliases of the key union, not variables
        var notNull = KeysFound(p);
        var keyQuery = new StringBuilder();
        keyQuery.AppendLine($"    {with}SELECT {string.Join(", ", p.Key.Select((_, i) => $"array_agg(d.k{i + 1})"))}");
        keyQuery.AppendLine($"    INTO {KeyVars(p)}");
        keyQuery.AppendLine($"    FROM (SELECT DISTINCT {string.Join(", ", p.Key.Select((_, i) => $"u.k{i + 1}"))} FROM (");
        keyQuery.AppendLine("        " + string.Join("\n        UNION ALL\n        ", parts));
        keyQuery.AppendLine($"    ) AS u ({uColumns}) WHERE {notNull}) AS d;");
        // Key locks compute the keys again after their batch unless no transaction ended meanwhile: the
        // snapshot before the first computation tells (AppendKeyLocks).
        if (keyed) sb.AppendLine("    IF pg_tviews_keyed THEN pg_tviews_snap := pg_current_snapshot(); END IF;");
        if (wholeVar is not null) sb.AppendLine($"    {wholeVar} := {full};");
        sb.Append(keyQuery);
        // An UPDATE of a TVIEW table takes its write tokens from all its old and new rows, not from the
        // multiset difference the keys use. Maintenance updates only rows whose value changes, so those
        // are the difference, or a superset where a changed row kept the columns read here (which only
        // orders more); and over jsonb documents the difference costs about 2 µs a row (a rename's 108
        // comments: 0.45 ms each time). A base table's UPDATE can match many rows and change few: its
        // tokens keep to the difference (a superset there could escalate to a table's token).
        if (keyed)
        {
            var patching = full == "false" ? "false" : wholeVar;
            if (ev == "UPDATE" && s.TViewEntity is not null) AppendKeyLocks(sb, p, s, ["pg_tviews_old", "pg_tviews_new"], "", keyQuery.ToString(), patching);
            else AppendKeyLocks(sb, p, s, deltas.Select(d => d.Relation).ToList(), with, keyQuery.ToString(), patching);
        }
        var apply = $"PERFORM {Quote(p.Schema, ApplyFunctionName(p))}({KeyVars(p)});";
        if (p.Sources.Any(x => x.CountDelta is not null)) apply = $"{MarkRecomputed(p)} {apply}";
        if (wholeVar is not null) full = wholeVar;
        var patchCall = s.Patch is null ? null : $"PERFORM {Quote(p.Schema, PatchFunctionName(p, s))}({KeyVars(p)});";
        if (full == "true")
            sb.AppendLine($"    {apply}");
        else if (full == "false")
            sb.AppendLine($"    {patchCall} -- cannot change which rows exist: recompute the parts that read it");
        else
        {
            // Only leaf columns changed: rows keep existing, recompute the parts that read them.
            sb.AppendLine($"    IF {full} THEN");
            sb.AppendLine($"        {apply}");
            sb.AppendLine("    ELSE");
            sb.AppendLine($"        {patchCall}");
            sb.AppendLine("    END IF;");
        }
        return Close(sb, fn, label);
    }

    /// <summary>
    /// The mode of this statement's maintenance: <c>pg_tviews.mode</c> when the transaction set it,
    /// else the TVIEW's (<c>pg_tviews_metadata.mode</c>; none when the row is gone, which the
    /// immediate path then reports). Deferred: the statement's rows go to the transaction's queue and
    /// the TVIEW is maintained at COMMIT (<c>pg_tviews_flush</c>, run by a deferred trigger); nothing
    /// is locked now. Immediate: first flush what earlier statements queued (<c>pg_tviews_queued</c>).
    /// </summary>
    private void AppendDeferredBranch(StringBuilder sb, TViewPlan p, SourcePlan s, string ev, string exit, string changed)
    {
        var entity = Literal(p.Entity);
        var queue = Rt("pg_tviews_queue");
        sb.AppendLine("    pg_tviews_mode := coalesce(current_setting('pg_tviews.mode', true), '');");
        sb.AppendLine("    IF pg_tviews_mode NOT IN ('', 'immediate', 'deferred') THEN");
        sb.AppendLine("        RAISE EXCEPTION 'invalid value for pg_tviews.mode: %', quote_literal(pg_tviews_mode)");
        sb.AppendLine("            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use immediate or deferred, or RESET pg_tviews.mode.';");
        sb.AppendLine("    END IF;");
        // One statement: whether there are rows to maintain, the mode (none when the metadata row is
        // gone), and, for an immediate statement, whether earlier statements queued rows; the queue is
        // asked only when this transaction inserted into it (QueueMayHoldRows).
        sb.AppendLine($"    SELECT {changed},");
        sb.AppendLine($"           CASE WHEN pg_tviews_m.entity_name IS NOT NULL THEN coalesce(nullif(pg_tviews_mode, ''), pg_tviews_m.mode) END,");
        sb.AppendLine($"           coalesce(nullif(pg_tviews_mode, ''), pg_tviews_m.mode) <> 'deferred'");
        sb.AppendLine($"               AND CASE WHEN {QueueMayHoldRows()} THEN {Rt("pg_tviews_queued_here")}({entity}) ELSE false END");
        sb.AppendLine($"    INTO pg_tviews_rows, pg_tviews_mode, pg_tviews_queued");
        sb.AppendLine($"    FROM (SELECT) AS pg_tviews_one LEFT JOIN {Rt("pg_tviews_metadata")} AS pg_tviews_m ON pg_tviews_m.entity_name = {entity};");
        sb.AppendLine($"    IF NOT pg_tviews_rows THEN {exit} END IF;");
        // Rows are queued only while track_counts is on, so that the count QueueMayHoldRows reads
        // sees every one; with it off, the statement is maintained now (the same rows in the end).
        sb.AppendLine("    IF pg_tviews_mode = 'deferred' AND pg_catalog.current_setting('track_counts') = 'on' THEN");
        var sides = ev switch
        {
            "INSERT" => new[] { ("pg_tviews_new", "false") },
            "DELETE" => [("pg_tviews_old", "true")],
            _ => [("pg_tviews_old", "true"), ("pg_tviews_new", "false")],
        };
        // Whole rows, as text: record I/O is exact for every type, and text keeps the queue free of
        // dependencies on the sources' row types (ALTER TABLE stays possible).
        var full = NeedsFullRecompute(s, ev);
        var rows = string.Join("\n            UNION ALL ",
            sides.Select(x => $"SELECT pg_current_xact_id(), {entity}, {Literal(s.QualifiedName)}, {Literal(ev)}, {x.Item2}, {full}, statement_timestamp(), pg_tviews_r::text FROM {x.Item1} AS pg_tviews_r"));
        sb.AppendLine($"        INSERT INTO {queue} (xact, entity, source, event, removed, \"full\", statement, r)");
        sb.AppendLine($"            {rows};");
        // Once per transaction, TVIEW, source and event: what the flush locks and maintains; the
        // first row's deferred trigger runs the flush at COMMIT/PREPARE.
        sb.AppendLine($"        INSERT INTO {Rt("pg_tviews_queued")} (xact, entity, source, event) VALUES (pg_current_xact_id(), {entity}, {Literal(s.QualifiedName)}, {Literal(ev)}) ON CONFLICT DO NOTHING;");
        sb.AppendLine($"        {exit}");
        sb.AppendLine("    END IF;");
        sb.AppendLine("    pg_tviews_queued := coalesce(pg_tviews_queued, false);");
    }

    /// <summary>
    /// Whether this transaction may have queued rows (deferred mode): it inserted into
    /// <c>pg_tviews_queued</c>, as the backend's own count of the transaction's inserts says (no
    /// setting a session can change; a queued row is inserted by the transaction whose id it holds,
    /// and only while <c>track_counts</c> is on, when PostgreSQL counts it; inserts rolled back stay
    /// counted). With <c>track_counts</c> off now, or the table not found, it may have. Only when it
    /// may is the queue itself asked: most transactions queue nothing, and the question cost a
    /// statement. (Asking matters: an immediate statement must flush what was queued before it
    /// recomputes, or a count kept from the delta would add the queued rows twice.)
    /// </summary>
    private string QueueMayHoldRows() =>
        $"coalesce(pg_catalog.pg_stat_get_xact_tuples_inserted(pg_catalog.to_regclass({Literal(Rt("pg_tviews_queued"))})), 1) > 0 OR pg_catalog.current_setting('track_counts') <> 'on'";

    /// <summary>
    /// Whether a statement's rows need the TVIEW's keys recomputed whole, or only the leaves that read
    /// the source patched: "true", "false", or an SQL test over the transition tables (an UPDATE that
    /// may or may not have changed a structural column). Immediate mode acts on it at once; deferred
    /// mode stores its value with the queued rows.
    /// </summary>
    private static string NeedsFullRecompute(SourcePlan s, string ev)
    {
        if (s.Patch is null) return "true";
        if (ev != "UPDATE") return s.Patch.LeafOnly ? "false" : "true";
        var structural = s.ReferencedColumns.Where(c => s.Patch.StructuralColumns.Contains(c.Name)).ToList();
        if (structural.Count == 0) return "false";
        var cols = string.Join(", ", structural.Select(c => Cmp(c, "x")));
        return $"EXISTS (SELECT {cols} FROM pg_tviews_new AS x EXCEPT ALL SELECT {cols} FROM pg_tviews_old AS x)";
    }

    /// <summary>
    /// Maintains the TVIEW for the rows this transaction queued (deferred mode), all sources at once:
    /// each source's queued rows stand in for its transition tables (removed rows for the old, added
    /// for the new), the key queries run over them against the tables as they are now, and each key
    /// is recomputed once. Takes the TVIEW's lock set if this transaction does not hold the lock.
    /// </summary>
    private string FlushFunction(TViewPlan p)
    {
        var entity = Literal(p.Entity);
        var uColumns = string.Join(", ", p.Key.Select((_, i) => $"k{i + 1}"));
        var notNull = KeysFound(p);
        // Per source, one statement (run only when the source has queued rows) deletes its queued
        // rows and appends the keys they reach: tag 0 for keys to recompute whole, tag n for keys
        // whose leaves reading the n-th patchable source are patched (rows queued as not needing a
        // full recompute, the immediate path's decision).
        var patched = p.Sources.Where(x => x.Patch is not null).Select((x, i) => (Tag: i + 1, Source: x)).ToList();
        // Counts kept from deltas in immediate mode are kept from the queued rows too: the sum of the
        // statements' deltas is the transaction's, and the stored counts hold every change not queued
        // (an immediate statement flushes the queue before its own). Not with patches (a patch may
        // rewrite a document that holds the counts).
        var countsAtFlush = patched.Count == 0 && p.Windows is null
            && p.Sources.Count(x => x.CountDelta is not null) == 1;
        var counted = countsAtFlush ? p.Sources.Single(x => x.CountDelta is not null).CountDelta! : null;
        // Key locks at the flush: per source whose changed rows already lock a lookup of the keys they
        // reach (KeyLockPlan.ReadsOfDeltaRows), a variable holding the keys found from that source's
        // queued rows, whose lookups the first batch then does not read (AppendFlushKeyLocks).
        var covers = FlushCovers(p);
        // The groups whose counts the queued rows move, and by how much (per leaf), unless this
        // statement already recomputed some of this TVIEW's groups (which then counted rows whose
        // queued delta would count them again): then the groups are recomputed, as before.
        string CountsFromQueue(SourcePlan s, CountDeltaPlan kept, bool take)
        {
            string Rows(string not) => $"(SELECT (pg_tviews_d.v).* FROM (SELECT q.r::{Quote(s.Schema, s.Table)} AS v FROM pg_tviews_q AS q WHERE {not}q.removed OFFSET 0) AS pg_tviews_d)";
            var queued = $"WITH pg_tviews_q AS (SELECT q.removed, q.r FROM {QueuedRows(p, s, take)} AS q)\n            ";
            var into = string.Join(", ", CountKeyVars(p).Concat(kept.Leaves.Select((_, i) => CountVar(i))));
            var aggregates = string.Join(", ", p.Key.Select((_, i) => $"array_agg(d.k{i + 1})").Concat(kept.Leaves.Select((_, i) => $"array_agg(d.c{i})")));
            var sql = new StringBuilder();
            sql.AppendLine($"    -- {Comment($"rows queued from {Quote(s.Schema, s.Table)}: the counts they move")}");
            sql.AppendLine($"    IF {Literal(s.QualifiedName)} = ANY (pg_tviews_sources) THEN");
            sql.AppendLine($"        IF {RecomputedInStatement(p)} THEN");
            sql.AppendLine($"            {CountGroupKeys(p, kept, [Rows(""), Rows("NOT ")], queued)}");
            sql.AppendLine("        ELSE");
            sql.AppendLine($"            {queued}SELECT {aggregates} INTO {into}");
            sql.AppendLine($"            FROM ({CountSums(kept, [(Rows(""), "-"), (Rows("NOT "), "")])}) AS d WHERE {CountsMoved(kept)};");
            sql.AppendLine("        END IF;");
            sql.Append("    END IF;");
            return sql.ToString();
        }
        // take: the rows leave the queue (the statement consumes them), or are only read (a key-level
        // flush computes its locks from them first).
        string? PerSource(SourcePlan s, bool take)
        {
            // (A key-level flush computes the counts before its locks too: its batch needs only the
            // groups it recomputes, and the moves do not depend on the snapshot.)
            if (countsAtFlush && s.CountDelta is { } kept) return CountsFromQueue(s, kept, take);
            var tag = patched.FirstOrDefault(x => ReferenceEquals(x.Source, s)).Tag;
            var groups = tag == 0 ? new List<(int Tag, string Filter)> { (0, "") } : [(0, " AND q.\"full\""), (tag, " AND NOT q.\"full\"")];
            var ctes = new List<string>
            {
                $"pg_tviews_q AS (SELECT q.removed, q.\"full\", q.r FROM {QueuedRows(p, s, take)} AS q)",
            };
            var parts = new List<string>();
            foreach (var (t, filter) in groups)
            {
                string Rows(bool removed) =>
                    $"SELECT (pg_tviews_d.v).* FROM (SELECT q.r::{Quote(s.Schema, s.Table)} AS v FROM pg_tviews_q AS q " +
                    $"WHERE {(removed ? "" : "NOT ")}q.removed{filter} OFFSET 0) AS pg_tviews_d";
                var old = $"pg_tviews_old_{t}";
                var added = $"pg_tviews_new_{t}";
                ctes.Add($"{old} AS ({Rows(true)})");
                ctes.Add($"{added} AS ({Rows(false)})");
                if (s.CountDelta is { } counts)
                {
                    // Counts are recomputed per group: the groups are named by the rows' own columns.
                    var cols = string.Join(", ", counts.KeyColumns.Select(c => $"x.{Quote(c)}"));
                    parts.Add($"(SELECT {t}, {cols} FROM {old} AS x UNION ALL SELECT {t}, {cols} FROM {added} AS x)");
                    continue;
                }
                if (p.Windows is not null)
                {
                    parts.Add($"(SELECT {t}, pg_tviews_k.* FROM ({WindowKeyQuery(p, s, [(old, old), (added, null)])}) AS pg_tviews_k)");
                    continue;
                }
                foreach (var q in s.KeyQueries)
                {
                    parts.Add($"(SELECT {t}, pg_tviews_k.* FROM (" + q.Render(old, old, Quote(p.Schema, p.Table)) + ") AS pg_tviews_k)");
                    parts.Add($"(SELECT {t}, pg_tviews_k.* FROM (" + q.Render(added) + ") AS pg_tviews_k)");
                }
            }
            if (parts.Count == 0) return null;
            var aggregates = p.Key.Select((_, i) => $"{KeyVar(i + 1)} || array_agg(d.k{i + 1}) FILTER (WHERE d.t = 0)").ToList();
            var targets = p.Key.Select((_, i) => KeyVar(i + 1)).ToList();
            if (tag != 0)
            {
                aggregates.AddRange(p.Key.Select((_, i) => $"{PatchKeyVar(tag, i + 1)} || array_agg(d.k{i + 1}) FILTER (WHERE d.t = {tag})"));
                targets.AddRange(p.Key.Select((_, i) => PatchKeyVar(tag, i + 1)));
            }
            // Before the locks only: every key found here, whole or patched (one key column).
            if (!take && covers.TryGetValue(s, out var cover))
            {
                aggregates.Add("array_agg(d.k1)");
                targets.Add(cover.Variable);
            }
            var sql = new StringBuilder();
            sql.AppendLine($"    -- {Comment($"rows queued from {Quote(s.Schema, s.Table)}")}");
            sql.AppendLine($"    IF {Literal(s.QualifiedName)} = ANY (pg_tviews_sources) THEN");
            sql.AppendLine($"        WITH {string.Join(",\n             ", ctes)}");
            sql.AppendLine($"        SELECT {string.Join(", ", aggregates)}");
            sql.AppendLine($"        INTO {string.Join(", ", targets)}");
            sql.AppendLine($"        FROM (SELECT DISTINCT u.t, {string.Join(", ", p.Key.Select((_, i) => $"u.k{i + 1}"))} FROM (");
            sql.AppendLine("            " + string.Join("\n            UNION ALL\n            ", parts));
            sql.AppendLine($"        ) AS u (t, {uColumns}) WHERE {notNull}) AS d;");
            sql.Append("    END IF;");
            return sql.ToString();
        }
        var perSource = p.Sources.Select(s => PerSource(s, take: true)).OfType<string>().ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"CREATE OR REPLACE FUNCTION {Quote(p.Schema, FlushFunctionName(p))}() RETURNS bigint");
        // Runs as the TVIEW's owner, like the triggers that queued the rows (the commit trigger runs
        // it as the runtime's owner).
        sb.AppendLine($"LANGUAGE plpgsql SECURITY DEFINER SET jit = off {CachedPlansClause} {SearchPathClause(p)} AS {BodyOpen}");
        sb.AppendLine("#variable_conflict use_variable");
        sb.AppendLine($"-- {Comment($"Maintains {Quote(p.Schema, p.Table)} for the rows this transaction queued (deferred mode).")}");
        sb.AppendLine("DECLARE");
        for (var i = 0; i < p.Key.Count; i++) sb.AppendLine($"    {KeyVar(i + 1)} {p.Key[i].Type}[];");
        foreach (var (tag, _) in patched)
            for (var i = 0; i < p.Key.Count; i++) sb.AppendLine($"    {PatchKeyVar(tag, i + 1)} {p.Key[i].Type}[];");
        sb.AppendLine("    pg_tviews_x xid8 := pg_current_xact_id_if_assigned();");
        sb.AppendLine("    pg_tviews_sources text[];");
        sb.AppendLine("    pg_tviews_written bigint := 0;");
        if (counted is not null)
        {
            foreach (var (v, i) in CountKeyVars(p).Select((v, i) => (v, i))) sb.AppendLine($"    {v} {p.Key[i].Type}[];");
            for (var i = 0; i < counted.Leaves.Count; i++) sb.AppendLine($"    {CountVar(i)} bigint[];");
            sb.AppendLine("    pg_tviews_counted_rows bigint;");
        }
        if (p.KeyLocks is not null)
        {
            sb.AppendLine("    pg_tviews_keyed boolean;");
            sb.AppendLine("    pg_tviews_snap pg_snapshot;");
            sb.AppendLine("    pg_tviews_again boolean := true;");
            foreach (var (v, _) in covers.Values) sb.AppendLine($"    {v} {p.Key[0].Type}[];");
            DeclareTokenVariables(sb);
        }
        sb.AppendLine("BEGIN");
        sb.AppendLine("    IF pg_tviews_x IS NULL THEN RETURN 0; END IF;");
        sb.AppendLine($"    pg_tviews_sources := {Rt("pg_tviews_queued_sources")}(pg_tviews_x, {entity});");
        sb.AppendLine("    IF pg_tviews_sources IS NULL THEN RETURN 0; END IF;");
        // Normally held already (pg_tviews_flush locks every queued set first, a trigger its own):
        // the whole-TVIEW lock, or the key-level writer's (a slot), with key locks.
        var keyedFlush = p.KeyLocks is not null;
        if (keyedFlush)
            sb.AppendLine($"    pg_tviews_keyed := {Rt("pg_tviews_slot_held")}({entity});");
        sb.AppendLine($"    IF {(keyedFlush ? "NOT pg_tviews_keyed AND " : "")}NOT EXISTS (SELECT FROM {Rt("pg_tviews_state")} AS s WHERE s.entity_name = {entity} AND s.locked_by = pg_tviews_x) THEN");
        sb.AppendLine($"        PERFORM {Rt("pg_tviews_lock_each")}(ARRAY(SELECT c.entity_name FROM {Rt("pg_tviews_closure")}({entity}) AS c));");
        sb.AppendLine("    END IF;");
        if (keyedFlush) AppendFlushKeyLocks(sb, p, p.Sources.Select(s => PerSource(s, take: false)).OfType<string>().ToList(), patched.Select(x => x.Tag).ToList(),
            covers.Values.SelectMany(c => c.Reads.Select(r => (Read: r, c.Variable))).ToDictionary(x => x.Read, x => x.Variable));
        // With key locks the keys may stand from before the locks (AppendFlushKeyLocks).
        var computeAgain = keyedFlush && perSource.Count > 0;
        if (computeAgain) sb.AppendLine("    IF pg_tviews_again THEN");
        foreach (var part in perSource) sb.AppendLine(part);
        if (computeAgain) sb.AppendLine("    END IF;");
        // Whatever is left (a source no longer read: the TVIEW was rebuilt in this transaction, or keys
        // computed before the locks and still valid) is done.
        sb.AppendLine($"    PERFORM {Rt("pg_tviews_unqueue")}(pg_tviews_x, {entity});");
        if (keyedFlush) AppendReadLockLoop(sb, p, patched.Select(x => x.Tag).ToList());
        sb.AppendLine($"    IF {KeyVar(1)} IS NOT NULL THEN");
        if (p.Sources.Any(x => x.CountDelta is not null)) sb.AppendLine($"        {MarkRecomputed(p)}");
        sb.AppendLine($"        pg_tviews_written := {Quote(p.Schema, ApplyFunctionName(p))}({KeyVars(p)});");
        sb.AppendLine("    END IF;");
        if (counted is not null)
        {
            // Groups recomputed above counted every row already.
            var vars = CountKeyVars(p).Concat(counted.Leaves.Select((_, i) => CountVar(i)));
            var columns = string.Join(", ", p.Key.Select((_, i) => $"k{i + 1}").Concat(counted.Leaves.Select((_, i) => $"c{i}")));
            var recomputed = string.Join(" AND ", p.Key.Select((_, i) => $"r.k{i + 1} = d.k{i + 1}"));
            sb.AppendLine($"    IF {CountKeyVars(p).First()} IS NOT NULL THEN");
            sb.AppendLine($"        UPDATE {Quote(p.Schema, p.Table)} AS t SET {CountAssignments(counted)}");
            sb.AppendLine($"        FROM unnest({string.Join(", ", vars)}) AS d ({columns})");
            sb.AppendLine($"        WHERE {GroupRow(p)}");
            sb.AppendLine($"          AND NOT EXISTS (SELECT FROM unnest({KeyVars(p)}) AS r ({uColumns}) WHERE {recomputed});");
            sb.AppendLine("        GET DIAGNOSTICS pg_tviews_counted_rows = ROW_COUNT;");
            sb.AppendLine("        pg_tviews_written := pg_tviews_written + pg_tviews_counted_rows;");
            sb.AppendLine("    END IF;");
        }
        // Leaves that read a source whose queued rows could not move rows (after the recompute, which
        // already rewrote some of those keys whole: patching them again changes nothing).
        foreach (var (tag, src) in patched)
        {
            var vars = string.Join(", ", p.Key.Select((_, i) => PatchKeyVar(tag, i + 1)));
            sb.AppendLine($"    IF {PatchKeyVar(tag, 1)} IS NOT NULL THEN");
            sb.AppendLine($"        pg_tviews_written := pg_tviews_written + {Quote(p.Schema, PatchFunctionName(p, src))}({vars});");
            sb.AppendLine("    END IF;");
        }
        sb.AppendLine("    RETURN pg_tviews_written;");
        sb.AppendLine("END");
        sb.AppendLine(BodyClose);
        return SafeDollarQuote(sb.ToString());
    }

    private static string Close(StringBuilder sb, string? fn, string label)
    {
        if (fn is null) return sb.AppendLine($"END {label};").ToString();
        sb.AppendLine("    RETURN NULL;");
        sb.AppendLine("END");
        sb.AppendLine(BodyClose);
        return SafeDollarQuote(sb.ToString());
    }

    // Counts kept from the delta and recomputes must not both count a row: a recompute reads every
    // change made so far in the statement, including rows whose count trigger fires after it. The
    // statement is identified by statement_timestamp() within the transaction; a false match only
    // costs a recompute. The mark is a row of the owner-only pg_tviews_session_state, not a
    // setting: a session could clear a setting between the two triggers and have rows counted twice.
    private string MarkRecomputed(TViewPlan p)
    {
        var state = Rt("pg_tviews_session_state");
        var mark = Literal(EntityMark(p));
        return $"IF NOT {RecomputedInStatement(p)} THEN " +
               $"INSERT INTO {state} AS pg_tviews_s (pid, xact, statement, recomputed) VALUES (pg_backend_pid(), pg_current_xact_id(), statement_timestamp(), {mark}) " +
               "ON CONFLICT (pid) DO UPDATE SET recomputed = CASE WHEN pg_tviews_s.xact = excluded.xact AND pg_tviews_s.statement = excluded.statement " +
               "THEN pg_tviews_s.recomputed || excluded.recomputed ELSE excluded.recomputed END, " +
               "regating = pg_tviews_s.regating AND pg_tviews_s.xact = excluded.xact, xact = excluded.xact, statement = excluded.statement; END IF;";
    }

    private string RecomputedInStatement(TViewPlan p) =>
        $"EXISTS (SELECT FROM {Rt("pg_tviews_session_state")} AS pg_tviews_s WHERE pg_tviews_s.pid = pg_backend_pid() " +
        $"AND pg_tviews_s.xact = pg_current_xact_id() AND pg_tviews_s.statement = statement_timestamp() " +
        $"AND strpos(pg_tviews_s.recomputed, {Literal(EntityMark(p))}) > 0)";

    /// <summary>
    /// The keys of the groups a count source's changed rows (in <paramref name="relations"/>) belong
    /// to, appended to the key variables.
    /// </summary>
    private static string CountGroupKeys(TViewPlan p, CountDeltaPlan counts, IEnumerable<string> relations, string with)
    {
        var cols = string.Join(", ", counts.KeyColumns.Select((c, i) => $"x.{Quote(c)} AS k{i + 1}"));
        var union = string.Join(" UNION ", relations.Select(r => $"SELECT {cols} FROM {r} AS x"));
        var notNull = string.Join(" AND ", p.Key.Select((_, i) => $"d.k{i + 1} IS NOT NULL"));
        // The group columns may be of another type than the key's (an int referencing a bigint).
        return $"{with}SELECT {string.Join(", ", p.Key.Select((k, i) => $"{KeyVar(i + 1)} || array_agg(d.k{i + 1})::{k.Type}[]"))} INTO {KeyVars(p)}\n" +
               $"        FROM ({union}) AS d WHERE {notNull};";
    }

    /// <summary>
    /// Per group, what the rows of each input add to its counts (sign "") or take away ("-"): 1 per
    /// leaf whose counted column is not NULL. Columns: the group key k1.., the moves c0...
    /// </summary>
    private static string CountSums(CountDeltaPlan counts, IEnumerable<(string From, string Sign)> inputs)
    {
        var keys = string.Join(", ", counts.KeyColumns.Select((c, i) => $"x.{Quote(c)} AS k{i + 1}"));
        string Contributions(string sign) =>
            string.Join(", ", counts.Leaves.Select((l, i) => $"{sign}(CASE WHEN x.{Quote(l.CountedColumn)} IS NOT NULL THEN 1 ELSE 0 END) AS c{i}"));
        var union = string.Join("\n            UNION ALL\n            ", inputs.Select(d => $"SELECT {keys}, {Contributions(d.Sign)} FROM {d.From} AS x"));
        var groupKeys = string.Join(", ", counts.KeyColumns.Select((_, i) => $"u.k{i + 1}"));
        var sums = string.Join(", ", counts.Leaves.Select((_, i) => $"sum(u.c{i}) AS c{i}"));
        return $"SELECT {groupKeys}, {sums} FROM (\n            {union}\n        ) AS u GROUP BY {groupKeys}";
    }

    /// <summary>Whether group <c>d</c>'s counts move (<see cref="CountSums"/>).</summary>
    private static string CountsMoved(CountDeltaPlan counts) => string.Join(" OR ", counts.Leaves.Select((_, i) => $"d.c{i} <> 0"));

    /// <summary>The TVIEW row <c>t</c> of group <c>d</c> (<see cref="CountSums"/>).</summary>
    private static string GroupRow(TViewPlan p) => string.Join(" AND ", p.Key.Select((k, i) => $"t.{Quote(k.Name)} = d.k{i + 1}"));

    /// <summary>
    /// Counts maintained from the delta: each changed row adds (new) or removes (old) 1 to the counts
    /// of its group when its counted column is not NULL; groups whose counts move are updated in place.
    /// </summary>
    private static void AppendCountDelta(StringBuilder sb, TViewPlan p, CountDeltaPlan counts, string ev, string with)
    {
        (string, string)[] signed = ev switch
        {
            "INSERT" => [("pg_tviews_new", "")],
            "DELETE" => [("pg_tviews_old", "-")],
            _ => [("pg_tviews_added", ""), ("pg_tviews_removed", "-")],
        };
        var delta = $"pg_tviews_delta AS (\n        {CountSums(counts, signed)})";
        var prefix = with.Length == 0 ? $"WITH {delta}" : $"{with.TrimEnd()},\n         {delta}";
        sb.AppendLine($"    {prefix}");
        sb.AppendLine($"    UPDATE {Quote(p.Schema, p.Table)} AS t SET {CountAssignments(counts)}");
        sb.AppendLine($"    FROM pg_tviews_delta AS d WHERE {GroupRow(p)} AND ({CountsMoved(counts)});");
    }

    /// <summary>The SET list adding each leaf's delta <c>d.c{i}</c> to the counts of group <c>t</c>.</summary>
    private static string CountAssignments(CountDeltaPlan counts)
    {
        var assignments = new List<string>();
        foreach (var group in counts.Leaves.Select((l, i) => (Leaf: l, Index: i)).GroupBy(x => x.Leaf.TargetColumn))
        {
            var col = Quote(group.Key);
            var expr = $"t.{col}";
            foreach (var (leaf, i) in group)
                expr = leaf.JsonKey is null
                    ? $"{expr} + d.c{i}"
                    : $"jsonb_set({expr}, ARRAY[{Literal(leaf.JsonKey)}], to_jsonb((t.{col} ->> {Literal(leaf.JsonKey)})::bigint + d.c{i}))";
            assignments.Add($"{col} = {expr}");
        }
        return string.Join(", ", assignments);
    }

    /// <summary>A flush's variables for the groups whose counts its queued rows move, and the moves per leaf.</summary>
    private static IEnumerable<string> CountKeyVars(TViewPlan p) => p.Key.Select((_, i) => $"pg_tviews_counted_keys{i + 1}");

    private static string CountVar(int leaf) => $"pg_tviews_counted{leaf}";

    /// <summary>A trigger's manifest entries: itself, then its gate (which runs the runtime's pg_tviews_gate).</summary>
    private IEnumerable<JsonNode> TriggerEntries(TViewPlan p, GeneratedTrigger t)
    {
        var entry = new JsonObject
        {
            ["schema"] = t.Schema, ["table"] = t.Table, ["name"] = t.Name, ["event"] = t.Event,
            ["function"] = t.FunctionName, ["ddl"] = t.TriggerDdl,
        };
        if (t.FunctionDdl is null && t.Fragment is null) entry["function_schema"] = runtimeSchema; // a runtime function
        if (t.Fragment is not null)
        {
            entry["shared"] = true;
            entry["flag"] = t.Gate!.Flag;
            entry["function_schema"] = runtimeSchema;
            entry["fragment"] = t.Fragment;
            // The composed function runs with the union of its parts' schemas (pg_tviews_compose).
            entry["search_path"] = new JsonArray(p.SearchPath.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
        }
        yield return entry;
        if (t.Gate is { } g)
            yield return new JsonObject
            {
                ["schema"] = t.Schema, ["table"] = t.Table, ["name"] = g.Name, ["event"] = t.Event, ["gate"] = true,
                ["function"] = "pg_tviews_gate", ["function_schema"] = runtimeSchema, ["flag"] = g.Flag,
                ["ddl"] = g.NarrowDdl, ["ddl_wide"] = g.WideDdl,
                ["columns"] = new JsonArray(g.Columns.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
                // Read without ONLY: an inheritance child created later would be written unseen.
                ["descendants_unseen"] = !p.Sources.First(x => x.Schema == t.Schema && x.Table == t.Table).OnlyTable,
            };
    }

    private JsonObject Manifest(TViewPlan p, IReadOnlyList<GeneratedTrigger> triggers)
    {
        var functions = new JsonArray
        {
            new JsonObject { ["schema"] = p.Schema, ["name"] = ApplyFunctionName(p), ["args"] = KeyArgTypes(p) },
            new JsonObject { ["schema"] = p.Schema, ["name"] = SyncFunctionName(p), ["args"] = "text" },
            new JsonObject { ["schema"] = p.Schema, ["name"] = FlushFunctionName(p), ["args"] = "" },
        };
        foreach (var s in p.Sources.Where(s => s.Patch is not null))
            functions.Add(new JsonObject { ["schema"] = p.Schema, ["name"] = PatchFunctionName(p, s), ["args"] = KeyArgTypes(p) });
        foreach (var t in triggers.Where(t => t.FunctionDdl is not null))
            functions.Add(new JsonObject { ["schema"] = p.Schema, ["name"] = t.FunctionName, ["args"] = "" });
        var manifest = new JsonObject
        {
            ["entity_name"] = p.Entity,
            ["table_schema"] = p.Schema,
            ["table_name"] = p.Table,
            ["view_name"] = p.View,
            ["definition"] = p.DefinitionSql,
            // None for a multiset no column finds (its pseudo-key is no column of the table).
            ["key_columns"] = new JsonArray((p.WholeMultiset ? [] : p.Key).Select(k => (JsonNode)JsonValue.Create(k.Name)!).ToArray()),
            ["sources"] = new JsonArray(p.Sources.Select(s => (JsonNode)JsonValue.Create(s.QualifiedName)!).ToArray()),
            ["depth"] = p.Depth,
            ["mode"] = p.Mode.ToSql(),
            ["key_locks"] = p.KeyLocks is not null,
            // Whole-TVIEW locks until pg_tviews_set_locking says otherwise: a key-level statement that
            // would wait out of order waits a bounded time, then fails with 40001, which a READ
            // COMMITTED application may not retry (docs/design.md, Key-level locking).
            ["locking"] = "whole",
            ["search_path"] = new JsonArray(p.SearchPath.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
            ["definition_hash"] = p.DefinitionHash,
            ["sync_function"] = SyncFunctionName(p),
            ["apply_function"] = ApplyFunctionName(p),
            ["objects"] = new JsonObject
            {
                ["functions"] = functions,
                ["triggers"] = new JsonArray(triggers.SelectMany(t => TriggerEntries(p, t)).ToArray()),
                ["locking"] = Comment(LockingDescription(p)),
                // The runtime refuses dropping these NOT NULLs (pg_tviews_nullable_key_columns).
                ["key_not_null"] = new JsonArray(p.KeyNotNull
                    .Select(c => (JsonNode)new JsonObject { ["schema"] = c.Schema, ["table"] = c.Table, ["column"] = c.Column }).ToArray()),
            },
        };
        // No primary key to re-create (pg_tviews_recover). Written only when true: keyed TVIEWs' manifests
        // are as before.
        if (p.Multiset) manifest["objects"]!["multiset"] = true;
        return manifest;
    }

    /// <summary>
    /// The lock block of a trigger: on the first maintenance of this TVIEW in the transaction, take the
    /// maintenance lock of every TVIEW the statement can reach (<c>pg_tviews_lock_statement</c>: the
    /// runtime's precomputed lock set of this source and event, locked in one global order, the entity
    /// name), so no two writers wait for each other's TViews locks in opposite orders. The row locks
    /// last until the transaction ends, so a transaction-local setting remembers them (and is reverted
    /// with a rolled-back subtransaction, exactly when the row locks are released). An UPDATE passes
    /// its table's gate marks: only the TVIEWs whose gates fired need their lock sets.
    /// </summary>
    private void AppendStatementLock(StringBuilder sb, TViewPlan p, SourcePlan s, string ev, string exit)
    {
        var entity = Literal(p.Entity);
        var tableRegclass = $"to_regclass({Literal(Quote(p.Schema, p.Table))})";
        var marks = ev == "UPDATE" ? $"current_setting({Literal(UpdateFlag(s))}, true)" : "NULL";
        // The settings pg_tviews.locked and pg_tviews.slots list the TVIEWs whose whole-TVIEW lock or
        // key-level writer's lock this transaction took (docs/design.md, Key-level locking). A session
        // can SET them, so they are hints: one that names the TVIEW is checked against the owner-only
        // rows; one that does not sends the statement to pg_tviews_lock_statement, which decides from
        // the rows (a lock held already is kept, not taken twice). So the first statement of a
        // transaction, the common case, runs no query to learn that it holds nothing.
        var lockedHint = $"strpos(coalesce(current_setting('pg_tviews.locked', true), ''), {Literal(EntityMark(p))})";
        var whole = $"EXISTS (SELECT FROM {Rt("pg_tviews_state")} AS pg_tviews_s WHERE pg_tviews_s.entity_name = {entity} AND pg_tviews_s.locked_by = pg_current_xact_id())";
        var lockStep = $"{Rt("pg_tviews_lock_step")}({Literal(s.QualifiedName)}, {Literal(ev)}, {entity}, {marks})";
        void LockOrExit(string how)
        {
            sb.AppendLine($"        IF {how} IS NULL OR {tableRegclass} IS NULL THEN");
            sb.AppendLine($"            PERFORM {Rt("pg_tviews_missing")}({entity}, {tableRegclass}); {exit}");
            sb.AppendLine("        END IF;");
        }
        if (p.KeyLocks is not null && ev != "TRUNCATE")
        {
            // Held already, whole or key-level? The owner-only rows decide (pg_tviews.slots, a
            // setting, only names the slot row to check).
            var keyLevel = $"{Rt("pg_tviews_slot_held")}({entity})";
            var slotHint = $"strpos(coalesce(current_setting('pg_tviews.slots', true), ''), {Literal(SlotMark(p))})";
            sb.AppendLine($"    IF {lockedHint} = 0 AND {slotHint} = 0 THEN");
            sb.AppendLine("        pg_tviews_keyed := true; pg_tviews_key_locked := false;");
            // Named as key-level only (a later TVIEW of the statement that took the locks): the slot
            // row decides, in a simple expression (no query but the slot's probe). The whole lock is
            // not looked up, as when neither hint names the TVIEW: a session that hid it by SETting
            // pg_tviews.locked only adds key locks under its own whole lock, which excludes every
            // other writer of the TVIEW anyway.
            sb.AppendLine($"    ELSIF {lockedHint} = 0 THEN");
            sb.AppendLine($"        pg_tviews_keyed := true; pg_tviews_key_locked := {keyLevel};");
            sb.AppendLine("    ELSE");
            sb.AppendLine($"        SELECT NOT {whole}, {keyLevel} INTO pg_tviews_keyed, pg_tviews_key_locked;");
            sb.AppendLine("    END IF;");
            sb.AppendLine("    IF pg_tviews_keyed AND NOT pg_tviews_key_locked THEN");
            // How the TVIEW is locked now, as the lock step found it in the owner-only rows ('key'
            // where it holds the whole lock too: key locks under it are only more locking).
            sb.AppendLine($"        pg_tviews_lock := {lockStep};");
            LockOrExit("pg_tviews_lock");
            sb.AppendLine("        pg_tviews_keyed := pg_tviews_lock = 'key';");
            sb.AppendLine("    END IF;");
            return;
        }
        // When pg_tviews.locked claims the lock, the state row must say so (locked_by is this
        // transaction), else the locks are taken. (The claim is checked in an ELSIF: the first test
        // alone is a simple expression, which runs no query.)
        sb.AppendLine($"    IF {lockedHint} = 0 THEN");
        LockOrExit(lockStep);
        sb.AppendLine($"    ELSIF NOT {whole} THEN");
        LockOrExit(lockStep);
        sb.AppendLine("    END IF;");
    }

    /// <summary>
    /// An UPDATE's key query per occurrence, over its removed and added rows at once where it can:
    /// where the query reads the same way for both sides and only some columns of them, it runs once
    /// over the distinct values of those columns on either side (a rename: the user's key, once),
    /// instead of once per side (the user's comments found twice, then made distinct). The keys are
    /// the same: each key query finds a key from one delta row at a time (a join or EXISTS on it), so
    /// the keys of a union of rows are the union of their keys.
    /// </summary>
    private static (List<string> Parts, string With) BothSidesAtOnce(TViewPlan p, SourcePlan s,
        (string Relation, string? RemovedFrom) removedSide, (string Relation, string? RemovedFrom) addedSide, string with)
    {
        var once = new List<string>();
        var removed = new List<string>();
        var added = new List<string>();
        var ctes = new List<string>();
        for (var i = 0; i < s.KeyQueries.Count; i++)
        {
            var q = s.KeyQueries[i];
            var name = $"pg_tviews_changed{i + 1}";
            var columns = q.DeltaColumns?.Select(c => s.ReferencedColumns.FirstOrDefault(r => r.Name == c)).ToList();
            var merged = KeyQueryPart(p, q, name, addedSide.RemovedFrom);
            if (columns is not null && columns.All(c => c is { Comparable: true }) && KeyQueryPart(p, q, name, removedSide.RemovedFrom) == merged)
            {
                var list = string.Join(", ", columns.Select(c => $"x.{Quote(c!.Name)}"));
                ctes.Add($"{name} AS (SELECT {list} FROM {removedSide.Relation} AS x UNION SELECT {list} FROM {addedSide.Relation} AS x)");
                once.Add(merged);
                continue;
            }
            removed.Add(KeyQueryPart(p, q, removedSide.Relation, removedSide.RemovedFrom));
            added.Add(KeyQueryPart(p, q, addedSide.Relation, addedSide.RemovedFrom));
        }
        if (ctes.Count > 0) with = with.TrimEnd() + ",\n         " + string.Join(",\n         ", ctes) + "\n    ";
        return ([.. removed, .. added, .. once], with);
    }

    /// <summary>One branch of a step's key union: <paramref name="q"/> over <paramref name="relation"/>, removed rows probing the TVIEW where the key spans relations.</summary>
    private static string KeyQueryPart(TViewPlan p, IKeyQuery q, string relation, string? removedFrom) =>
        "(" + q.Render(relation, removedFrom, removedFrom is null ? null : Quote(p.Schema, p.Table)) + ")";

    /// <summary>The variables a key-level step (a trigger's or a flush's) locks its tokens with.</summary>
    private static void DeclareTokenVariables(StringBuilder sb)
    {
        sb.AppendLine("    pg_tviews_tokens bigint[];");
        sb.AppendLine("    pg_tviews_tables bigint[];");
        sb.AppendLine("    pg_tviews_exclusive boolean[];");
        sb.AppendLine("    pg_tviews_held bigint[];");
        sb.AppendLine("    pg_tviews_late boolean;");
        sb.AppendLine("    pg_tviews_lk bigint[];");
        sb.AppendLine("    pg_tviews_lex boolean[];");
    }

    /// <summary>
    /// Key-level locking of one maintenance step (docs/design.md, Concurrency): in one sorted batch,
    /// exclusive locks on the values of the lookup columns in the rows this statement changed, and
    /// shared locks on the values a recompute of the keys just found looks up; then the keys again,
    /// with a snapshot taken after those locks (a writer we waited for may have added some), and the
    /// values their recompute looks up, locked until nothing new turns up.
    /// </summary>
    /// <param name="patching">
    /// Null when the step recomputes its keys whole; "false" when it only patches them (the leaves that
    /// read the source): then it locks what the patch reads, not every lookup of the definition; else
    /// the variable that says, at run time, whether it recomputes whole.
    /// </param>
    /// <param name="keyQuery">The statement computing the keys again after a commit; empty where they cannot change (a count step's groups).</param>
    private void AppendKeyLocks(StringBuilder sb, TViewPlan p, SourcePlan s, IReadOnlyList<string> deltas, string with, string keyQuery, string? patching)
    {
        var plan = p.KeyLocks!;
        var writeColumns = plan.ColumnsOf(s).ToList();
        var writes = deltas.SelectMany(d => writeColumns.Select(c =>
            $"SELECT {Token(p, c, $"x.{Quote(c.Column)}")}, {TableToken(p, c.Schema, c.Table)}, true FROM {d} AS x")).ToList();
        // A patch recomputes only the leaves that read the source: it locks the lookups on the way to
        // what those leaves read, and the key relation's key exclusively, since a writer of other leaves
        // of its rows may share no lookup with it, and must still meet it on a key lock rather than on
        // the rows, outside the order of key locks (docs/design.md, "A patch locks what it reads").
        var patchReads = patching is null ? null : plan.PatchReads.GetValueOrDefault(s.QualifiedName);
        List<string> Reads(IReadOnlyCollection<LockRead>? except) => patchReads is null ? ReadTokenQueries(p, except: except)
            : ReadTokenQueries(p, only: patchReads, otherwise: patching == "false" ? null : patching,
                ownRow: patching == "false" ? "true" : $"NOT {patching}", except: except);
        var reads = Reads(null);
        // The values of a lookup that the changed rows' own values already are, for every key the key
        // query found, are among the writes: the first batch need not read them again. Keys found again
        // after a commit are read in full (the loop below).
        var firstReads = Reads(plan.ReadsOfDeltaRows.Where(r => r.Target.Schema == s.Schema && r.Target.Table == s.Table).ToList());
        // The tables this step locks values of: their tokens, taken shared (or exclusive on escalation).
        List<string> Tables(IEnumerable<LockRead> lookups) => writeColumns.Select(c => TableToken(p, c.Schema, c.Table))
            .Concat(lookups.Select(r => TableToken(p, r.Target.Schema, r.Target.Table))).Distinct().ToList();
        var tables = Tables(plan.Reads);
        var tableArray = $"ARRAY[{string.Join(", ", tables)}]";
        if (patchReads is not null && Tables(patchReads) is var patched && patched.Count < tables.Count)
            tableArray = patching == "false"
                ? $"ARRAY[{string.Join(", ", patched)}]"
                : $"(CASE WHEN {patching} THEN {tableArray} ELSE ARRAY[{string.Join(", ", patched)}] END)";
        sb.AppendLine("    IF pg_tviews_keyed THEN");
        sb.AppendLine($"    {LateTest(p)}");
        sb.AppendLine($"    {with}SELECT array_agg(z.t), array_agg(z.tt), array_agg(z.ex) INTO pg_tviews_tokens, pg_tviews_tables, pg_tviews_exclusive");
        sb.AppendLine("    FROM (" + string.Join("\n        UNION ALL ", writes.Concat(firstReads)) + ") AS z (t, tt, ex) WHERE z.t IS NOT NULL;");
        AppendTokenLock(sb, p, tableArray, "    ", lateOnly: false);
        sb.AppendLine($"    pg_tviews_held := coalesce(pg_tviews_tokens, '{{}}') || {tableArray};");
        // A transaction that ended since the snapshot taken before the keys were first computed (one we
        // waited for, or any other) may have committed rows that add keys or lookups: compute them
        // again. If none did, every statement since saw the same committed rows as one would now, so
        // the keys and lookups are those already locked (only transactions with an xid change rows,
        // and a snapshot changes exactly when one of them ends).
        sb.AppendLine("    IF pg_tviews_snap::text IS DISTINCT FROM pg_current_snapshot()::text THEN");
        sb.Append(keyQuery);
        AppendNewReadsLoop(sb, p, reads, tableArray);
        sb.AppendLine("    END IF;");
        sb.AppendLine("    END IF;");
    }

    /// <summary>
    /// After the keys were computed again under the lock: locks, shared, what their recompute looks up
    /// and no earlier batch locked, until nothing new appears (a commit in between may have changed it).
    /// These come after the step's batch, so out of the global order.
    /// </summary>
    private void AppendNewReadsLoop(StringBuilder sb, TViewPlan p, IReadOnlyList<string> reads, string tableArray)
    {
        sb.AppendLine("    LOOP");
        sb.AppendLine("        SELECT array_agg(z.t), array_agg(z.tt), array_agg(z.ex) INTO pg_tviews_tokens, pg_tviews_tables, pg_tviews_exclusive");
        sb.AppendLine("        FROM (" + string.Join("\n            UNION ALL ", reads) + ") AS z (t, tt, ex)");
        sb.AppendLine("        WHERE z.t IS NOT NULL AND NOT EXISTS (SELECT FROM unnest(pg_tviews_held) AS h (t) WHERE h.t = z.t);");
        sb.AppendLine("        EXIT WHEN pg_tviews_tokens IS NULL;");
        AppendTokenLock(sb, p, tableArray, "        ", lateOnly: true);
        sb.AppendLine("        pg_tviews_held := pg_tviews_held || pg_tviews_tokens;");
        sb.AppendLine("    END LOOP;");
    }

    /// <summary>
    /// The rows this transaction queued for <paramref name="p"/> from <paramref name="s"/>, taken out
    /// of the queue or only read: through the runtime, which reads the queue by its index (a plan
    /// cached while the queue was small scans its dead rows otherwise).
    /// </summary>
    private string QueuedRows(TViewPlan p, SourcePlan s, bool take) =>
        $"{Rt("pg_tviews_queued_rows")}(pg_tviews_x, {Literal(p.Entity)}, {Literal(s.QualifiedName)}, {(take ? "true" : "false")})";

    /// <summary>
    /// Key locks of a flush (deferred mode) that holds the key-level writer's lock: the lookup values
    /// of every row the transaction queued for this TVIEW, from every source (old and new, exclusive),
    /// and the values the recompute of the keys they reach now looks up (shared), in one sorted batch,
    /// as a trigger does for one statement. If a transaction ended meanwhile, the keys are then
    /// computed again under the lock (by the per-source statements, which consume the queue) and new
    /// lookups locked before the recompute (<see cref="AppendReadLockLoop"/>); else the keys stand. A
    /// flush maintains its TVIEWs one at a time in dependency order, so flushes take key locks of
    /// different TVIEWs in one order.
    /// </summary>
    /// <param name="covered">
    /// The lookups (<see cref="KeyLockPlan.ReadsOfDeltaRows"/>) whose values, for the keys in the named
    /// variable (those found from the queued rows of the lookup's table), are values of those queued
    /// rows: locked exclusively as writes in the same batch, so not read for those keys.
    /// </param>
    private void AppendFlushKeyLocks(StringBuilder sb, TViewPlan p, IReadOnlyList<string> perSource, IReadOnlyList<int> patchTags,
        IReadOnlyDictionary<LockRead, string> covered)
    {
        var plan = p.KeyLocks!;
        var writes = new List<string>();
        foreach (var s in p.Sources)
        {
            // Read only when the source has queued rows: a one-time filter skips the call otherwise.
            var rows = $"(SELECT (pg_tviews_d.v).* FROM (SELECT q.r::{Quote(s.Schema, s.Table)} AS v FROM {QueuedRows(p, s, take: false)} AS q " +
                       $"WHERE {Literal(s.QualifiedName)} = ANY (pg_tviews_sources) OFFSET 0) AS pg_tviews_d)";
            writes.AddRange(plan.ColumnsOf(s).Select(c => $"SELECT {Token(p, c, $"x.{Quote(c.Column)}")}, {TableToken(p, c.Schema, c.Table)}, true FROM {rows} AS x"));
        }
        var reads = ReadTokenQueriesForAllKeys(p, patchTags, covered);
        var tables = p.Sources.SelectMany(s => plan.ColumnsOf(s)).Select(c => TableToken(p, c.Schema, c.Table))
            .Concat(plan.Reads.Select(r => TableToken(p, r.Target.Schema, r.Target.Table))).Distinct().ToList();
        var tableArray = $"ARRAY[{string.Join(", ", tables)}]";
        sb.AppendLine("    IF pg_tviews_keyed THEN");
        sb.AppendLine("    pg_tviews_snap := pg_current_snapshot();");
        sb.AppendLine($"    {LateTest(p)}");
        sb.AppendLine("    -- The keys the queued rows reach now (the queue is only read here), for what the recompute reads.");
        foreach (var part in perSource) sb.AppendLine(part);
        sb.AppendLine("    SELECT array_agg(z.t), array_agg(z.tt), array_agg(z.ex) INTO pg_tviews_tokens, pg_tviews_tables, pg_tviews_exclusive");
        sb.AppendLine("    FROM (" + string.Join("\n        UNION ALL ", writes.Concat(reads)) + ") AS z (t, tt, ex) WHERE z.t IS NOT NULL;");
        AppendTokenLock(sb, p, tableArray, "    ", lateOnly: false);
        sb.AppendLine($"    pg_tviews_held := coalesce(pg_tviews_tokens, '{{}}') || {tableArray};");
        // As a trigger does (AppendKeyLocks): unless a transaction ended since the keys were computed,
        // they are what a computation under the locks would find, and their lookups are locked.
        sb.AppendLine("    IF pg_tviews_snap::text IS DISTINCT FROM pg_current_snapshot()::text THEN");
        foreach (var v in AllKeyVars(p, patchTags)) sb.AppendLine($"        {v} := NULL;");
        sb.AppendLine("    ELSE");
        sb.AppendLine("        pg_tviews_again := false;");
        sb.AppendLine("    END IF;");
        sb.AppendLine("    END IF;");
    }

    /// <summary>The flush's <see cref="AppendNewReadsLoop"/>, for the keys recomputed whole and those patched.</summary>
    private void AppendReadLockLoop(StringBuilder sb, TViewPlan p, IReadOnlyList<int> patchTags)
    {
        var tables = p.KeyLocks!.Reads.Select(r => TableToken(p, r.Target.Schema, r.Target.Table)).Distinct().ToList();
        var reads = ReadTokenQueriesForAllKeys(p, patchTags);
        if (reads.Count == 0) return;
        sb.AppendLine("    IF pg_tviews_keyed AND pg_tviews_again THEN");
        AppendNewReadsLoop(sb, p, reads, $"ARRAY[{string.Join(", ", tables)}]::bigint[]");
        sb.AppendLine("    END IF;");
    }

    /// <summary>The key variables of a flush: those of the keys recomputed whole, then those of each patched source.</summary>
    private static IEnumerable<string> AllKeyVars(TViewPlan p, IReadOnlyList<int> patchTags) =>
        p.Key.Select((_, i) => KeyVar(i + 1)).Concat(patchTags.SelectMany(t => p.Key.Select((_, i) => PatchKeyVar(t, i + 1))));

    /// <summary>
    /// <see cref="ReadTokenQueries"/> for the keys recomputed whole and those patched (a patch reads
    /// what a recompute does): over each key column's arrays concatenated (NULL ones drop out), so the
    /// statement has one branch per lookup, not one per lookup and array; each branch costs its
    /// executor start-up on every flush, run or not.
    /// </summary>
    private static List<string> ReadTokenQueriesForAllKeys(TViewPlan p, IReadOnlyList<int> patchTags, IReadOnlyDictionary<LockRead, string>? covered = null) =>
        ReadTokenQueries(p, i => patchTags.Count == 0 ? KeyVar(i)
            : $"({string.Join(" || ", patchTags.Select(t => PatchKeyVar(t, i)).Prepend(KeyVar(i)))})", covered: covered);

    /// <summary>
    /// Per source whose changed rows already lock lookups of the keys they reach (as in a trigger,
    /// <see cref="AppendKeyLocks"/>), the variable a key-level flush of <paramref name="p"/> keeps the
    /// keys found from that source's queued rows in, and those lookups: the flush's keys come from
    /// every source, so only those keys need not have them read. One key column only, and not for a
    /// source whose counts are kept from the delta (its keys are groups).
    /// </summary>
    private static Dictionary<SourcePlan, (string Variable, List<LockRead> Reads)> FlushCovers(TViewPlan p)
    {
        var result = new Dictionary<SourcePlan, (string, List<LockRead>)>(ReferenceEqualityComparer.Instance);
        if (p.KeyLocks is not { } plan || p.Key.Count != 1 || plan.KeyColumns.Count != 1) return result;
        for (var i = 0; i < p.Sources.Count; i++)
        {
            var s = p.Sources[i];
            var reads = plan.ReadsOfDeltaRows.Where(r => r.Target.Schema == s.Schema && r.Target.Table == s.Table).ToList();
            if (s.CountDelta is null && reads.Count > 0) result[s] = ($"pg_tviews_cover{i + 1}", reads);
        }
        return result;
    }

    /// <summary>
    /// Locks pg_tviews_tokens (exclusive where pg_tviews_exclusive says so) and the step's table tokens
    /// (shared). A table with more than 256 values (the lock table is finite) has its table token
    /// taken exclusively instead of its values: the step then covers that table whole, for this TVIEW.
    /// In the global order (pg_tviews_late false: this transaction holds no key locks of a TVIEW of
    /// this rank or later), one sorted batch that waits, then the rank is recorded in
    /// <c>pg_tviews.key_max</c>; out of it (<paramref name="lateOnly"/>, or pg_tviews_late), through
    /// <c>pg_tviews_lock_late</c>, which waits a bounded time (docs/design.md, Key-level locking).
    /// PostgreSQL evaluates the volatile lock calls of a sorted subquery's select list after the sort.
    /// </summary>
    private void AppendTokenLock(StringBuilder sb, TViewPlan p, string tableArray, string indent, bool lateOnly)
    {
        const string locked = "CASE WHEN l.ex THEN pg_catalog.pg_advisory_xact_lock(l.k)::text ELSE pg_catalog.pg_advisory_xact_lock_shared(l.k)::text END";
        var big = $"SELECT w.k, bool_or(w.ex) AS ex FROM (\n{indent}        WITH pg_tviews_big AS (SELECT y.tt FROM unnest(pg_tviews_tokens, pg_tviews_tables) AS y (t, tt) GROUP BY y.tt HAVING count(DISTINCT y.t) > 256)\n"
                  + $"{indent}        SELECT x.t, x.ex FROM unnest(pg_tviews_tokens, pg_tviews_tables, pg_tviews_exclusive) AS x (t, tt, ex)\n"
                  + $"{indent}        WHERE x.tt NOT IN (SELECT b.tt FROM pg_tviews_big AS b)\n"
                  + $"{indent}        UNION ALL\n"
                  + $"{indent}        SELECT u.tt, u.tt IN (SELECT b.tt FROM pg_tviews_big AS b) FROM unnest({tableArray}) AS u (tt)) AS w (k, ex)\n"
                  + $"{indent}        GROUP BY w.k";
        var small = $"SELECT u.k, bool_or(u.ex) AS ex FROM unnest(coalesce(pg_tviews_tokens, '{{}}') || {tableArray},\n"
                    + $"{indent}          coalesce(pg_tviews_exclusive, '{{}}') || array_fill(false, ARRAY[cardinality({tableArray})])) AS u (k, ex)\n"
                    + $"{indent}          GROUP BY u.k";
        var rank = Literal(KeyRank(p));
        // Out of order, every lock is first tried without waiting, here (usually all are free); only
        // the ones held elsewhere go to pg_tviews_lock_late, sorted, for its bounded wait. (A volatile
        // condition is not pushed into the subquery: each lock is tried once.)
        void Late(string set, string at)
        {
            const string tried = "CASE WHEN l.ex THEN pg_catalog.pg_try_advisory_xact_lock(l.k) ELSE pg_catalog.pg_try_advisory_xact_lock_shared(l.k) END";
            sb.AppendLine($"{at}SELECT array_agg(l.k ORDER BY l.k), array_agg(l.ex ORDER BY l.k) INTO pg_tviews_lk, pg_tviews_lex FROM ({set} OFFSET 0) AS l WHERE NOT {tried};");
            sb.AppendLine($"{at}IF pg_tviews_lk IS NOT NULL THEN PERFORM {Rt("pg_tviews_lock_late")}(pg_tviews_lk, pg_tviews_lex, {Literal(p.Entity)}); END IF;");
        }
        void Lock(string set, string at)
        {
            if (lateOnly)
            {
                Late(set, at);
                return;
            }
            sb.AppendLine($"{at}IF pg_tviews_late THEN");
            Late(set, at + "    ");
            sb.AppendLine($"{at}ELSE");
            // The rank recorded by the same statement, after its locks (a grouped query projects
            // once, after the aggregate has taken them all).
            sb.AppendLine($"{at}    PERFORM count({locked}), set_config('pg_tviews.key_max', {rank}, true) FROM ({set} ORDER BY 1 OFFSET 0) AS l;");
            sb.AppendLine($"{at}END IF;");
        }
        sb.AppendLine($"{indent}IF cardinality(pg_tviews_tokens) > 256 THEN");
        Lock(big, indent + "    ");
        sb.AppendLine($"{indent}ELSE");
        Lock(small, indent + "    ");
        sb.AppendLine($"{indent}END IF;");
        if (lateOnly) return;
        // From now on this transaction holds key locks of this rank (pg_tviews.key_max, set by the
        // batch): later batches are out of order.
        sb.AppendLine($"{indent}pg_tviews_late := true;");
    }

    /// <summary>
    /// The rank of a TVIEW in the global order of key locks: its depth (TVIEWs built on others rank
    /// after them, as a cascade and a flush reach them), then its name; comparable as "C" text.
    /// </summary>
    internal static string KeyRank(TViewPlan p) => $"{p.Depth.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)} {p.Entity}";

    /// <summary>Whether this step's key locks come after key locks this transaction holds of a TVIEW of the same or a later rank.</summary>
    private static string LateTest(TViewPlan p) =>
        $"pg_tviews_late := coalesce(current_setting('pg_tviews.key_max', true), '') COLLATE \"C\" >= {Literal(KeyRank(p))};";

    /// <summary>
    /// For each value a recompute of the keys in the key variables looks up: a query yielding (token,
    /// table token, exclusive: false but for <paramref name="ownRow"/>). With <paramref name="only"/>, the lookups outside it are left out, or, with
    /// <paramref name="otherwise"/> (a boolean variable), run only when it is true. Those in
    /// <paramref name="except"/> are left out.
    /// </summary>
    /// <param name="ownRow">
    /// With <paramref name="only"/> (a patch): how the key relation's own key is locked, "true"
    /// (exclusive) or an SQL test; else shared.
    /// </param>
    private static List<string> ReadTokenQueries(TViewPlan p, Func<int, string>? keyVar = null, IReadOnlyCollection<LockRead>? only = null,
        string? otherwise = null, string ownRow = "false", IReadOnlyCollection<LockRead>? except = null,
        IReadOnlyDictionary<LockRead, string>? covered = null)
    {
        keyVar ??= KeyVar;
        var plan = p.KeyLocks!;
        var result = new List<string>();
        foreach (var r in plan.Reads)
        {
            if (except is not null && except.Contains(r)) continue;
            var exclusive = r.IsKeyOf(plan) ? ownRow : "false";
            string? when = null;
            if (only is not null && !only.Contains(r))
            {
                if (otherwise is null) continue;
                when = otherwise;
            }
            if (r.KeyIndex is { } i)
            {
                result.Add($"SELECT {Token(p, r.Target, "x.v")}, {TableToken(p, r.Target.Schema, r.Target.Table)}, {exclusive} FROM unnest({keyVar(i + 1)}) AS x (v)" +
                           (when is null ? "" : $" WHERE {when}"));
                continue;
            }
            var from = new StringBuilder($"{Quote(plan.Schema, plan.Table)} AS pg_tviews_a0");
            for (var h = 0; h < r.Hops.Count; h++)
                from.Append($" JOIN {Quote(r.Hops[h].Schema, r.Hops[h].Table)} AS pg_tviews_a{h + 1} ON pg_tviews_a{h + 1}.{Quote(r.Hops[h].Column)} = pg_tviews_a{h}.{Quote(r.Hops[h].PreviousColumn)}");
            var keyIn = plan.KeyColumns.Count == 1
                ? $"pg_tviews_a0.{Quote(plan.KeyColumns[0])} = ANY ({keyVar(1)})"
                : $"({string.Join(", ", plan.KeyColumns.Select(c => "pg_tviews_a0." + Quote(c)))}) IN (SELECT * FROM unnest({string.Join(", ", p.Key.Select((_, i) => keyVar(i + 1)))}))";
            // (One key column: FlushCovers. The covered keys left out of the array, not filtered after the
            // scan: the point is not to read their rows.)
            if (covered is not null && covered.TryGetValue(r, out var cover))
                keyIn = $"pg_tviews_a0.{Quote(plan.KeyColumns[0])} = ANY (ARRAY(SELECT x.v FROM unnest({keyVar(1)}) AS x (v) WHERE NOT x.v = ANY (coalesce({cover}, '{{}}'))))";
            result.Add($"SELECT {Token(p, r.Target, $"pg_tviews_a{r.Hops.Count}.{Quote(r.ValueColumn)}")}, {TableToken(p, r.Target.Schema, r.Target.Table)}, false FROM {from} WHERE {keyIn}" +
                       (when is null ? "" : $" AND {when}"));
        }
        return result;
    }

    /// <summary>The lock token of a value of a lookup column: a 64-bit hash, seeded per TVIEW and column.</summary>
    private static string Token(TViewPlan p, LockColumn c, string value) => c.Integer
        ? $"pg_catalog.hashint8extended(({value})::bigint, {Seed(p.Entity, c.Schema, c.Table, c.Column)})"
        : $"pg_catalog.hashtextextended(({value})::text, {Seed(p.Entity, c.Schema, c.Table, c.Column)})";

    private static string TableToken(TViewPlan p, string schema, string table) =>
        $"({Seed(p.Entity, schema, table, "").ToString(System.Globalization.CultureInfo.InvariantCulture)})::bigint";

    /// <summary>FNV-1a over the names: stable across processes and versions, unlike string.GetHashCode.</summary>
    internal static long Seed(params string[] parts)
    {
        var h = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(string.Join("\0", parts)))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return unchecked((long)h);
    }

    /// <summary>How writers of the TVIEW lock, for <c>tviews explain</c>.</summary>
    internal static string LockingDescription(TViewPlan p) => p.KeyLocks is { } k
        ? "key level, when enabled (pg_tviews_set_locking: 'auto' except for a while after key locks timed out, 'key' always): a READ COMMITTED writer (immediate mode, or its flush at COMMIT) locks the values of "
          + string.Join(", ", k.Columns.Select(c => $"{Quote(c.Schema, c.Table)}.{Quote(c.Column)}"))
          + " in the rows it changes, and the values a recompute of its keys looks up (a patch: those on the way to what its leaves read); other writers lock the whole TVIEW"
        : $"whole TVIEW: {p.KeyLockRefusal ?? "key locks do not apply"}";
}
