namespace TViews.Cli.Fuzz;

/// <summary>The type of a column as far as the definition generator cares (which expressions and aggregates fit).</summary>
public enum ColType { Key, Text, Int, Bool, Numeric, Jsonb, Array }

public sealed record RelCol(string Name, ColType Type, bool NotNull);

/// <summary>Columns of a relation holding the primary key of base table <see cref="Target"/>.</summary>
public sealed record RelRef(IReadOnlyList<string> Columns, string Target, bool NotNull);

/// <summary>
/// A relation a definition can read: a base table, or an earlier generated TVIEW whose rows are
/// keyed like its root table (so it joins wherever that table does). <see cref="Root"/> is the base
/// table whose primary key values the key columns hold, under the same names.
/// </summary>
public sealed record Rel(string Name, string Root, IReadOnlyList<RelCol> Columns, IReadOnlyList<string> Key, IReadOnlyList<RelRef> Refs, bool IsTView)
{
    public RelCol Column(string name) => Columns.First(c => c.Name == name);

    public IEnumerable<RelCol> KeyColumns => Key.Select(Column);

    /// <summary>Columns that are neither key nor reference.</summary>
    public IEnumerable<RelCol> Values => Columns.Where(c => !Key.Contains(c.Name) && !Refs.Any(r => r.Columns.Contains(c.Name)));

    public static Rel Of(FuzzTable t)
    {
        static ColType TypeOf(FuzzColumn c) => c.Kind switch
        {
            ColumnKind.Key or ColumnKind.Ref => ColType.Key,
            ColumnKind.Name or ColumnKind.Category => ColType.Text,
            ColumnKind.Value or ColumnKind.Touched or ColumnKind.Count => ColType.Int,
            ColumnKind.Flag => ColType.Bool,
            ColumnKind.Amount => ColType.Numeric,
            _ => ColType.Text,
        };
        var cols = t.Columns.Select(c => new RelCol(c.Name, TypeOf(c), c.NotNull)).ToList();
        var refs = t.ForeignKeys.Select(f => new RelRef(f.Columns, f.Target, f.Columns.All(c => t.Column(c).NotNull))).ToList();
        return new Rel(t.Name, t.CountsFor ?? t.Name, cols, t.PrimaryKey, refs, false);
    }
}
