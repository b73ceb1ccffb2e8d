using System.Globalization;
using System.Text;

namespace TViews.Cli.Fuzz;

/// <summary>The SQL type of a key column; keys are drawn from small integer domains and spelled per type.</summary>
public enum KeyKind { BigInt, Int, Text, Uuid }

/// <summary>What a column is for: the generators pick expressions, aggregates and values by it.</summary>
public enum ColumnKind { Key, Ref, Name, Category, Value, Flag, Amount, Touched, Count }

public enum FkAction { NoAction, Restrict, Cascade, SetNull, SetDefault }

public enum TableRole { Entity, Link, Counter }

public sealed record FuzzColumn(string Name, ColumnKind Kind, bool NotNull, KeyKind Key = KeyKind.Int, string? Default = null)
{
    public string SqlType => Kind switch
    {
        ColumnKind.Key or ColumnKind.Ref => FuzzValues.SqlType(Key),
        ColumnKind.Name or ColumnKind.Category => "text",
        ColumnKind.Value or ColumnKind.Touched or ColumnKind.Count => "integer",
        ColumnKind.Flag => "boolean",
        ColumnKind.Amount => "numeric(8,2)",
        _ => throw new InvalidOperationException(Kind.ToString()),
    };

    public bool IsKeyLike => Kind is ColumnKind.Key or ColumnKind.Ref;
}

/// <summary>A foreign key: <see cref="Columns"/> reference <see cref="TargetColumns"/> (the primary key of <see cref="Target"/>).</summary>
/// <param name="Deferred">
/// DEFERRABLE INITIALLY DEFERRED: rows may reference nothing until COMMIT (or SET CONSTRAINTS),
/// where the check fails and rolls the transaction back. Its actions (CASCADE, SET NULL, ...) still
/// run at once, and RESTRICT still refuses at once.
/// </param>
public sealed record FuzzForeignKey(string Name, IReadOnlyList<string> Columns, string Target, IReadOnlyList<string> TargetColumns,
    FkAction OnDelete, bool OnUpdateCascade, bool Deferred = false)
{
    public string Sql =>
        $"CONSTRAINT {Name} FOREIGN KEY ({string.Join(", ", Columns)}) REFERENCES {Target} ({string.Join(", ", TargetColumns)})" +
        OnDelete switch
        {
            FkAction.NoAction => "",
            FkAction.Restrict => " ON DELETE RESTRICT",
            FkAction.Cascade => " ON DELETE CASCADE",
            FkAction.SetNull => " ON DELETE SET NULL",
            FkAction.SetDefault => " ON DELETE SET DEFAULT",
            _ => "",
        } + (OnUpdateCascade ? " ON UPDATE CASCADE" : "") + (Deferred ? " DEFERRABLE INITIALLY DEFERRED" : "");

    /// <summary>A delete of a referenced row can fail (RESTRICT / NO ACTION with children left, SET DEFAULT to a missing row).</summary>
    public bool DeleteCanFail => OnDelete is FkAction.NoAction or FkAction.Restrict or FkAction.SetDefault;
}

/// <summary>
/// A generated table (a counter table names the parent whose keys it counts in <see cref="CountsFor"/>). Keys of an entity come from a domain of <see cref="Domain"/> values per key
/// column (composite keys: the product), so random statements often hit existing rows.
/// </summary>
/// <param name="Partitions">Hash partitions on the first key column (0: a plain table).</param>
public sealed record FuzzTable(string Name, TableRole Role, IReadOnlyList<FuzzColumn> Columns, IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<FuzzForeignKey> ForeignKeys, int Domain, string? CountsFor = null, int Partitions = 0)
{
    /// <summary>The partitions' names (none for a plain table).</summary>
    public IEnumerable<string> PartitionNames => Enumerable.Range(0, Partitions).Select(i => $"{Name}_p{i}");

    public FuzzColumn Column(string name) => Columns.First(c => c.Name == name);

    public IEnumerable<FuzzColumn> KeyColumns => PrimaryKey.Select(Column);

    public IEnumerable<FuzzColumn> ValueColumns => Columns.Where(c => !c.IsKeyLike && !PrimaryKey.Contains(c.Name));

    public string Ddl
    {
        get
        {
            var parts = Columns.Select(c => $"{c.Name} {c.SqlType}{(c.NotNull ? " NOT NULL" : "")}{(c.Default is { } d ? $" DEFAULT {d}" : "")}").ToList();
            parts.Add($"PRIMARY KEY ({string.Join(", ", PrimaryKey)})");
            parts.AddRange(ForeignKeys.Select(f => f.Sql));
            if (Partitions == 0) return $"CREATE TABLE {Name} (\n    {string.Join(",\n    ", parts)});";
            return $"CREATE TABLE {Name} (\n    {string.Join(",\n    ", parts)}) PARTITION BY HASH ({PrimaryKey[0]});\n" +
                   string.Join("\n", PartitionNames.Select((p, i) => $"CREATE TABLE {p} PARTITION OF {Name} FOR VALUES WITH (MODULUS {Partitions}, REMAINDER {i});"));
        }
    }
}

/// <summary>A user trigger of the schema (function and trigger DDL); <see cref="Tables"/> are every table its code names.</summary>
public sealed record FuzzTrigger(string Name, string Table, IReadOnlyList<string> Tables, string Ddl);

/// <summary>One seed row: literals in the order of <see cref="Columns"/>.</summary>
public sealed record FuzzRow(string Table, IReadOnlyList<string> Columns, IReadOnlyList<string> Values);

public sealed record FuzzSchema(IReadOnlyList<FuzzTable> Tables, IReadOnlyList<FuzzTrigger> Triggers, IReadOnlyList<FuzzRow> Rows)
{
    public FuzzTable Table(string name) => Tables.First(t => t.Name == name);

    public string DdlScript()
    {
        var sb = new StringBuilder();
        foreach (var t in Tables) sb.AppendLine(t.Ddl);
        foreach (var tr in Triggers) sb.AppendLine(tr.Ddl);
        return sb.ToString();
    }

    /// <summary>The seed rows as INSERTs, one per table in creation order (parents before children).</summary>
    public string SeedScript()
    {
        var sb = new StringBuilder();
        foreach (var t in Tables)
        {
            var rows = Rows.Where(r => r.Table == t.Name).ToList();
            if (rows.Count == 0) continue;
            foreach (var group in rows.GroupBy(r => string.Join(", ", r.Columns)))
                sb.AppendLine($"INSERT INTO {t.Name} ({group.Key}) VALUES\n    {string.Join(",\n    ", group.Select(r => $"({string.Join(", ", r.Values)})"))};");
        }
        return sb.ToString();
    }
}

/// <summary>A generated TVIEW definition: the SELECT, its key, the relations it reads, and the shape it was drawn from.</summary>
public sealed record FuzzDefinition(string Table, string Select, IReadOnlyList<string> Key, IReadOnlyList<string> Reads, string Shape)
{
    /// <summary>The apply script; without a key, the key is TViews' choice (a multiset when none is provable).</summary>
    public string Script => (Key.Count == 0 ? "" : $"-- tviews:key={string.Join(",", Key)}\n") + $"CREATE TABLE {Table} AS\n{Select};";
}

/// <summary>
/// A statement of a transaction. A <see cref="Guarded"/> statement may fail: it runs inside its own
/// savepoint, rolled back to when it fails. <see cref="Tables"/> are the tables its text names.
/// </summary>
public sealed record FuzzStatement(string Sql, bool Guarded, IReadOnlyList<string> Tables);

/// <summary>
/// A transaction: its statements, whether it ends in ROLLBACK, and whether it ends in two phases
/// (<see cref="Prepared"/>: PREPARE TRANSACTION, then COMMIT PREPARED, or ROLLBACK PREPARED when
/// <see cref="Rollback"/>), which a deferred TVIEW is maintained at.
/// </summary>
public sealed record FuzzTransaction(IReadOnlyList<FuzzStatement> Statements, bool Rollback, bool Prepared = false)
{
    /// <summary>How the transaction ends, as SQL (the gid of a prepared one is a placeholder).</summary>
    public string EndSql => (Prepared, Rollback) switch
    {
        (true, true) => "PREPARE TRANSACTION 'fuzz'; ROLLBACK PREPARED 'fuzz'",
        (true, false) => "PREPARE TRANSACTION 'fuzz'; COMMIT PREPARED 'fuzz'",
        (false, true) => "ROLLBACK",
        _ => "COMMIT",
    };
}

/// <summary>Everything one fuzz set runs: schema and data, definitions, transactions; and an optional sabotage run after the definitions (tests of the fuzzer).</summary>
public sealed record FuzzCase(int Seed, int Set, FuzzSchema Schema, IReadOnlyList<FuzzDefinition> Definitions,
    IReadOnlyList<FuzzTransaction> Transactions, string? Sabotage = null)
{
    /// <summary>The whole case as text: same seed, same text.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Schema.DdlScript()).AppendLine(Schema.SeedScript());
        foreach (var d in Definitions) sb.AppendLine(d.Script);
        var i = 0;
        foreach (var t in Transactions)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"-- transaction {i++}");
            foreach (var s in t.Statements) sb.AppendLine((s.Guarded ? "[guarded] " : "") + s.Sql + ";");
            sb.AppendLine(t.EndSql + ";");
        }
        return sb.ToString();
    }
}

/// <summary>Literals of the generated domains.</summary>
public static class FuzzValues
{
    public static string SqlType(KeyKind k) => k switch
    {
        KeyKind.BigInt => "bigint",
        KeyKind.Int => "integer",
        KeyKind.Text => "text",
        KeyKind.Uuid => "uuid",
        _ => throw new InvalidOperationException(k.ToString()),
    };

    /// <summary>The n-th value of a key domain, as a literal of its type.</summary>
    public static string Key(KeyKind k, int n) => k switch
    {
        KeyKind.BigInt or KeyKind.Int => n.ToString(CultureInfo.InvariantCulture),
        KeyKind.Text => $"'k{n.ToString(CultureInfo.InvariantCulture)}'",
        KeyKind.Uuid => $"'00000000-0000-4000-8000-{n.ToString("x12", CultureInfo.InvariantCulture)}'::uuid",
        _ => throw new InvalidOperationException(k.ToString()),
    };

    public static string Int(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Name(int n) => $"'n{Int(n)}'";

    public static readonly string[] Categories = ["'a'", "'b'", "'c'"];
}
