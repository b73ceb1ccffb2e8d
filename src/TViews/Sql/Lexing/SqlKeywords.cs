using System.Collections.Frozen;

namespace TViews.Sql;

/// <summary>Keyword classes of PostgreSQL's grammar (kwlist.h); they decide where a word can be a name.</summary>
internal enum KeywordCategory
{
    /// <summary>Not a keyword, or an unreserved keyword that behaves exactly like a plain identifier.</summary>
    None,

    /// <summary>Unreserved keyword with a restriction (here: cannot be a bare column label without AS).</summary>
    Unreserved,

    /// <summary>Can be a column/table name, but not a function or type name (has special syntax: <c>coalesce</c>, <c>int</c>, <c>values</c>...).</summary>
    ColName,

    /// <summary>Can be a function or type name, but not a column/table name (<c>left</c>, <c>join</c>, <c>is</c>...).</summary>
    TypeFuncName,

    /// <summary>Usable as a name only after AS or a dot (<c>select</c>, <c>from</c>, <c>user</c>...).</summary>
    Reserved,
}

/// <summary>PostgreSQL 15's keyword facts (categories, and which keywords can be a column label without AS).</summary>
internal static class SqlKeywords
{
    private const string Reserved =
        "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create " +
        "current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc " +
        "distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral " +
        "leading limit localtime localtimestamp not null offset on only or order placing primary references returning " +
        "select session_user some symmetric table then to trailing true union unique user using variadic when where window with";

    private const string TypeFuncName =
        "authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like " +
        "natural notnull outer overlaps right similar tablesample verbose";

    private const string ColName =
        "between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int " +
        "integer interval least national nchar none normalize nullif numeric out overlay position precision real row setof " +
        "smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest " +
        "xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable";

    // Keywords that need AS to be a column label (every other keyword and identifier can follow an expression bare).
    private const string AsLabelOnly =
        "array as char character create day except fetch filter for from grant group having hour intersect into isnull " +
        "limit minute month notnull offset on order over overlaps precision returning second to union varying where window " +
        "with within without year";

    private static readonly FrozenDictionary<string, KeywordCategory> Categories = BuildCategories();

    private static readonly FrozenSet<string> AsLabels =
        AsLabelOnly.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The category of a (lower-case) word; <see cref="KeywordCategory.None"/> for ordinary identifiers.</summary>
    public static KeywordCategory Category(string lowerWord) =>
        Categories.TryGetValue(lowerWord, out var category) ? category : KeywordCategory.None;

    /// <summary>Whether the (lower-case) word can follow an expression as its alias without AS.</summary>
    public static bool IsBareLabel(string lowerWord) => !AsLabels.Contains(lowerWord);

    private static FrozenDictionary<string, KeywordCategory> BuildCategories()
    {
        var map = new Dictionary<string, KeywordCategory>(StringComparer.Ordinal);
        foreach (var w in AsLabelOnly.Split(' ', StringSplitOptions.RemoveEmptyEntries)) map[w] = KeywordCategory.Unreserved;
        foreach (var w in ColName.Split(' ', StringSplitOptions.RemoveEmptyEntries)) map[w] = KeywordCategory.ColName;
        foreach (var w in TypeFuncName.Split(' ', StringSplitOptions.RemoveEmptyEntries)) map[w] = KeywordCategory.TypeFuncName;
        foreach (var w in Reserved.Split(' ', StringSplitOptions.RemoveEmptyEntries)) map[w] = KeywordCategory.Reserved;
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
