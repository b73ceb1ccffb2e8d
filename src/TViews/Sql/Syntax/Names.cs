using System.Collections.Immutable;

namespace TViews.Sql;

/// <summary>
/// A name. <see cref="Value"/> is the effective name: unquoted identifiers are already folded to
/// lower case (ASCII only, like PostgreSQL) and every identifier is truncated to 63 bytes.
/// </summary>
/// <param name="Value">The effective (folded) name.</param>
/// <param name="Quoted">Whether the source spelled it in double quotes (informational only).</param>
internal sealed record Identifier(string Value, [property: SyntaxDetail] bool Quoted = false) : SqlNode
{
    public override IEnumerable<SqlNode> Children => [];

    public bool Equals(Identifier? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();

    public static implicit operator Identifier(string value) => new(value);
}

/// <summary>A dotted name: <c>schema.table</c>, <c>pg_catalog.lower</c>, <c>public.my_type</c>.</summary>
internal sealed record QualifiedName(ImmutableArray<Identifier> Parts) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().All(Parts);

    /// <summary>The last part (the object's own name).</summary>
    public string Name => Parts.OrEmpty().IsEmpty ? "" : Parts[^1].Value;

    /// <summary>The part before the last one (usually the schema), or null when unqualified.</summary>
    public string? Schema => Parts.OrEmpty().Length >= 2 ? Parts[^2].Value : null;

    public static QualifiedName Of(params string[] parts) => new([.. parts.Select(p => new Identifier(p))]);

    public bool Equals(QualifiedName? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>AS name (col, ...)</c> on a FROM item.</summary>
internal sealed record Alias(Identifier Name, ImmutableArray<Identifier> Columns = default) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Name).All(Columns);

    public bool Equals(Alias? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A column definition of a record-returning function: <c>AS f(x int, y text)</c>.</summary>
internal sealed record ColumnDef(Identifier Name, TypeName Type) : SqlNode
{
    /// <summary><c>COLLATE name</c> after the type, if any.</summary>
    public QualifiedName? Collation { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Name).One(Type).One(Collation);

    public bool Equals(ColumnDef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>Field qualifiers of the <c>interval</c> type (<c>interval '1' day</c>, <c>interval year to month</c>).</summary>
internal enum IntervalFields
{
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    YearToMonth,
    DayToHour,
    DayToMinute,
    DayToSecond,
    HourToMinute,
    HourToSecond,
    MinuteToSecond,
}

/// <summary>
/// A type reference. SQL-standard spellings are normalised the way PostgreSQL does it, to
/// <c>pg_catalog.&lt;internal name&gt;</c>: <c>int</c>/<c>integer</c> → <c>pg_catalog.int4</c>, <c>bigint</c> → int8,
/// <c>smallint</c> → int2, <c>real</c> → float4, <c>double precision</c>/<c>float</c> → float8,
/// <c>decimal</c>/<c>numeric</c> → numeric, <c>boolean</c> → bool, <c>varchar</c>/<c>character varying</c> → varchar,
/// <c>char(n)</c>/<c>character(n)</c> → bpchar (plain <c>char</c> in a cast is <c>bpchar(1)</c>, as in PostgreSQL),
/// <c>bit varying</c> → varbit, <c>timestamp [without time zone]</c> → timestamp, <c>timestamp with time zone</c> → timestamptz,
/// <c>time with time zone</c> → timetz, <c>interval</c> → interval (+ <see cref="IntervalFields"/>).
/// Other names (<c>date</c>, <c>text</c>, <c>jsonb</c>, <c>public.my_enum</c>) are kept as written.
/// The formatter prints the SQL spellings back (<c>integer</c>, <c>timestamp with time zone</c>, ...).
/// </summary>
/// <param name="Name">Type name; system types are <c>pg_catalog.xxx</c>.</param>
/// <param name="Modifiers">Type modifiers: <c>numeric(10, 2)</c> → [10, 2]; for interval the seconds precision.</param>
internal sealed record TypeName(QualifiedName Name, ImmutableArray<Expr> Modifiers = default) : SqlNode
{
    /// <summary>One entry per array dimension: <c>int[]</c> → [-1], <c>int[3][4]</c> → [3, 4]. Empty if not an array.</summary>
    public ImmutableArray<int> ArrayBounds { get; init; } = [];

    /// <summary>Field restriction of an <c>interval</c> type, or null.</summary>
    public IntervalFields? IntervalFields { get; init; }

    public bool IsArray => !ArrayBounds.OrEmpty().IsEmpty;

    /// <summary>True for <c>pg_catalog.xxx</c> names (how the parser records SQL-standard type spellings).</summary>
    public bool IsSystemType => Name.Parts.OrEmpty().Length == 2 && Name.Parts[0].Value == "pg_catalog";

    public override IEnumerable<SqlNode> Children => Kids().One(Name).All(Modifiers);

    /// <summary>A <c>pg_catalog</c> type, e.g. <c>TypeName.System("int4")</c>.</summary>
    public static TypeName System(string name, params Expr[] modifiers) =>
        new(QualifiedName.Of("pg_catalog", name), [.. modifiers]);

    /// <summary>A (possibly qualified) type name as written, e.g. <c>TypeName.Of("jsonb")</c>.</summary>
    public static TypeName Of(params string[] parts) => new(QualifiedName.Of(parts));

    /// <summary>The same type as a one-dimensional array.</summary>
    public TypeName AsArray() => this with { ArrayBounds = ArrayBounds.OrEmpty().Add(-1) };

    public bool Equals(TypeName? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}
