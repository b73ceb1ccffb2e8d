using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// A copy of a tree in which every node is a new instance (same values, same spans). The binder keys
/// what it learns by node reference, so a CTE referenced twice binds a copy of its body the second
/// time: each reference then has scopes, columns and source occurrences of its own.
/// </summary>
internal sealed class SyntaxCopier : SqlRewriter
{
    private SyntaxCopier() { }

    public static T Copy<T>(T node) where T : SqlNode => new SyntaxCopier().Rewrite(node);

    public override SqlNode Visit(SqlNode node)
    {
        // The base rebuilds a node whose children changed; a node it returns unchanged is copied here.
        var rewritten = base.Visit(node);
        return ReferenceEquals(rewritten, node) ? node with { } : rewritten;
    }
}
