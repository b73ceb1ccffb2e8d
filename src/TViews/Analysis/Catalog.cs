using Npgsql;
using TViews.Runtime;

namespace TViews.Analysis;

internal enum RelationKind { Table, PartitionedTable, View, MaterializedView, ForeignTable, Other }

/// <param name="Comparable">The type has an equality (json, xml and geometric types have none).</param>
/// <param name="Array">An array (or a domain over one): a multiset TVIEW cannot find rows by it, since key arrays of arrays do not exist.</param>
/// <param name="IndexMethod">
/// An index a multiset TVIEW may put on the column without a value ever being too large for it: btree for
/// fixed-length types, hash for strings and numerics (a hash index stores only the hash), each when the
/// type has a default operator class for it; null otherwise.
/// </param>
internal sealed record CatalogColumn(string Name, string Type, bool NotNull, bool Comparable, bool Array = false, string? IndexMethod = null);

/// <summary>A relation as the live catalog describes it. <see cref="TViewEntity"/> is set for TVIEW tables.</summary>
internal sealed record CatalogRelation(
    string Schema,
    string Name,
    RelationKind Kind,
    IReadOnlyList<CatalogColumn> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<IReadOnlyList<string>> IndexedColumnLists,
    string? TViewEntity)
{
    /// <summary>
    /// Column lists no two rows share: the primary key and every valid, immediate, non-partial unique
    /// index on plain columns (a deferrable constraint can be violated inside a transaction, while
    /// triggers run). Columns of a unique index may be NULL (NULLs never collide): the key analysis
    /// applies one only to rows where all its columns are non-NULL.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> UniqueKeys { get; init; } = [];

    /// <summary>
    /// A plain table with inheritance children: reading it reads their rows too, which its unique
    /// indexes do not cover (a partitioned table's unique indexes do cover its partitions).
    /// </summary>
    public bool HasInheritanceChildren { get; init; }

    /// <summary>A partition or inheritance child: writes addressed to its ancestors reach its rows without firing its statement triggers.</summary>
    public bool HasAncestors { get; init; }

    /// <summary>Row-level security is enabled on the table: what a role sees of it depends on the role.</summary>
    public bool RowSecurity { get; init; }

    public string QualifiedName => $"{Schema}.{Name}";
    public CatalogColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>Whether some index starts with exactly these columns (in any order), so lookups by them are cheap.</summary>
    public bool HasIndexLeadingWith(IReadOnlyCollection<string> columns) =>
        IndexedColumnLists.Any(ix => ix.Count >= columns.Count && ix.Take(columns.Count).ToHashSet().SetEquals(columns));
}

/// <summary>Reads relations from the live catalog, resolving unqualified names through search_path.</summary>
internal sealed class CatalogReader(NpgsqlConnection connection, string? runtimeSchema)
{
    private const string TypeIsComparable = """
        (SELECT bt.typname::text FROM pg_type bt
         WHERE bt.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem
                             WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END)
        NOT IN ('json', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle')
        """;

    // The type as generated code may name it: format_type leaves a type visible on the caller's
    // search_path unqualified, but generated functions run with search_path pg_catalog, ..., pg_temp.
    private const string QualifiedType = """
        CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN format_type(a.atttypid, a.atttypmod)
             ELSE (SELECT CASE WHEN et.oid IS NULL THEN format('%I.%I', tn.nspname, t.typname)
                               WHEN et.typnamespace = 'pg_catalog'::regnamespace THEN format_type(a.atttypid, a.atttypmod)
                               ELSE format('%I.%I[]', en.nspname, et.typname) END
                   FROM pg_namespace tn
                   LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typelem <> 0 AND t.typlen = -1
                   LEFT JOIN pg_namespace en ON en.oid = et.typnamespace
                   WHERE tn.oid = t.typnamespace) END
        """;

    private const string TypeShape = """
        (SELECT bt.typcategory = 'A' FROM pg_type bt WHERE bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END),
        (SELECT CASE WHEN bt.typlen > 0 AND EXISTS (
                          SELECT FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
                          WHERE am.amname = 'btree' AND oc.opcdefault
                            AND oc.opcintype IN (bt.oid, CASE WHEN bt.typtype = 'e' THEN 'anyenum'::regtype END)) THEN 'btree'
                     WHEN bt.typcategory IN ('S', 'N') AND EXISTS (
                          SELECT FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
                          WHERE am.amname = 'hash' AND oc.opcdefault
                            AND oc.opcintype IN (bt.oid, CASE WHEN bt.typcategory = 'S' THEN 'text'::regtype END)) THEN 'hash' END
         FROM pg_type bt WHERE bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END)
        """;

    /// <summary>Looks a relation up by its (possibly unqualified) name parts; null when it does not exist.</summary>
    public async Task<CatalogRelation?> FindAsync(IReadOnlyList<string> nameParts, CancellationToken ct = default)
    {
        var text = string.Join(".", nameParts.Select(SqlNames.Quote));
        var oid = await connection.ScalarAsync<long?>("SELECT to_regclass(@n)::oid::bigint", ct, ("n", text));
        return oid is { } o ? await LoadAsync(o, ct) : null;
    }

    public async Task<CatalogRelation?> FindAsync(string schema, string name, CancellationToken ct = default) =>
        await FindAsync([schema, name], ct);

    private async Task<CatalogRelation> LoadAsync(long oid, CancellationToken ct)
    {
        var head = (await connection.RowsAsync(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = @o::oid",
            r => (Schema: r.GetString(0), Name: r.GetString(1), Kind: r.GetString(2), Rls: r.GetBoolean(3)), ct, ("o", oid))).Single();
        var columns = await connection.RowsAsync(
            $"""
            SELECT a.attname::text, {QualifiedType}, a.attnotnull, {TypeIsComparable}, {TypeShape}
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = @o::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """,
            r => new CatalogColumn(r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetBoolean(3), r.GetBoolean(4), r.IsDBNull(5) ? null : r.GetString(5)), ct, ("o", oid));
        var indexes = await connection.RowsAsync(
            """
            SELECT i.indisprimary, ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                         ORDER BY k.ord),
                   i.indisunique AND i.indimmediate AND i.indisvalid
            FROM pg_index i WHERE i.indrelid = @o::oid AND i.indpred IS NULL AND i.indexprs IS NULL
            """,
            r => (Primary: r.GetBoolean(0), Columns: (IReadOnlyList<string>)r.GetFieldValue<string[]>(1), Unique: r.GetBoolean(2)), ct, ("o", oid));
        var inherited = head.Kind == "r" && await connection.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT FROM pg_inherits WHERE inhparent = @o::oid)", ct, ("o", oid));
        string? entity = null;
        if (runtimeSchema is not null)
            entity = await connection.ScalarAsync<string?>(
                $"SELECT entity_name FROM {SqlNames.Quote(runtimeSchema)}.pg_tviews_metadata WHERE table_schema = @s AND table_name = @n",
                ct, ("s", head.Schema), ("n", head.Name));
        var kind = head.Kind switch
        {
            "r" => RelationKind.Table,
            "p" => RelationKind.PartitionedTable,
            "v" => RelationKind.View,
            "m" => RelationKind.MaterializedView,
            "f" => RelationKind.ForeignTable,
            _ => RelationKind.Other,
        };
        return new CatalogRelation(head.Schema, head.Name, kind, columns,
            indexes.FirstOrDefault(i => i.Primary).Columns ?? [],
            indexes.Select(i => i.Columns).ToList(), entity)
        {
            UniqueKeys = indexes.Where(i => i.Unique).Select(i => i.Columns).ToList(),
            HasInheritanceChildren = inherited,
            HasAncestors = await connection.ScalarAsync<bool>("SELECT EXISTS (SELECT FROM pg_catalog.pg_inherits WHERE inhrelid = @o::oid)", ct, ("o", oid)),
            RowSecurity = head.Rls,
        };
    }
}
