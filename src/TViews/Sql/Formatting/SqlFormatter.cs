namespace TViews.Sql;

/// <summary>Deparser: prints any syntax tree as PostgreSQL SQL (13+) with the same meaning.</summary>
public static class SqlFormatter
{
    public static string Format(SqlNode node, SqlFormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.GetType().Name;
    }
}
