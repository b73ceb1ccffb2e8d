using System.Collections.Immutable;

namespace TViews.Sql;

/// <summary>
/// Base of the immutable SQL syntax tree. Nodes are records: rewrite them with <c>with</c>
/// (or <see cref="SqlRewriter"/>), walk them with <see cref="SqlWalker"/> or <see cref="DescendantsAndSelf()"/>.
/// </summary>
/// <remarks>
/// Equality (<c>==</c>, <c>Equals</c>, <c>GetHashCode</c>) is structural and ignores spans and
/// purely syntactic details (marked <see cref="SyntaxDetailAttribute"/>, e.g. identifier quoting), so
/// two spellings of the same expression compare equal; use <see cref="object.ReferenceEquals"/> for identity.
/// </remarks>
internal abstract record SqlNode
{
    /// <summary>Source range of the node; <c>default</c> for nodes built by code.</summary>
    [SyntaxDetail]
    public TextSpan Span { get; init; }

    /// <summary>Direct child nodes in source order (optional parts that are absent are skipped).</summary>
    public abstract IEnumerable<SqlNode> Children { get; }

    /// <summary>This node and every node below it, pre-order (parents before children, children in source order).</summary>
    public IEnumerable<SqlNode> DescendantsAndSelf() => DescendantsAndSelf(static _ => true);

    /// <summary>
    /// Pre-order walk that only descends below nodes for which <paramref name="descendInto"/> is true
    /// (e.g. <c>n =&gt; n is not SelectStmt</c> to stay out of subqueries); the node itself is still yielded.
    /// </summary>
    public IEnumerable<SqlNode> DescendantsAndSelf(Func<SqlNode, bool> descendInto)
    {
        // Explicit stack: deep trees must not overflow the call stack.
        var stack = new Stack<SqlNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            if (!ReferenceEquals(node, this) && !descendInto(node)) continue;
            var children = node.Children.ToList();
            for (int i = children.Count - 1; i >= 0; i--) stack.Push(children[i]);
        }
    }

    /// <summary>Every node strictly below this one, pre-order.</summary>
    public IEnumerable<SqlNode> Descendants() => DescendantsAndSelf().Skip(1);

    /// <summary>Canonical SQL text of this node (see <see cref="SqlFormatter"/>), single-line.</summary>
    public sealed override string ToString()
    {
        try
        {
            return SqlFormatter.Format(this, SqlFormatOptions.Compact);
        }
        catch (Exception e) when (e is InvalidOperationException or InsufficientExecutionStackException)
        {
            // Debug displays must not throw on a half-built tree.
            return $"{GetType().Name} (not printable: {e.Message})";
        }
    }

    public virtual bool Equals(SqlNode? other) => SqlEquivalence.AreEquivalent(this, other);

    public override int GetHashCode() => SqlEquivalence.GetHashCode(this);

    /// <summary>Helper for <see cref="Children"/> implementations.</summary>
    private protected static ChildList Kids() => new();

    private protected sealed class ChildList : List<SqlNode>
    {
        public ChildList One(SqlNode? node)
        {
            if (node is not null) Add(node);
            return this;
        }

        public ChildList All<T>(ImmutableArray<T> nodes) where T : SqlNode
        {
            if (!nodes.IsDefault) foreach (var n in nodes) Add(n);
            return this;
        }
    }
}

/// <summary>A scalar expression (also a row, an array, a grouping set in GROUP BY).</summary>
internal abstract record Expr : SqlNode;

/// <summary>The body of a query: SELECT core, VALUES, set operation, or a parenthesised query.</summary>
internal abstract record QueryExpr : SqlNode;

/// <summary>An item of a FROM list.</summary>
internal abstract record FromItem : SqlNode
{
    public virtual bool Equals(FromItem? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();

    /// <summary><c>AS name (col, ...)</c>; for a join only when the join is parenthesised and aliased.</summary>
    public Alias? Alias { get; init; }
}

/// <summary>A top-level statement of a script.</summary>
internal abstract record Statement : SqlNode;

/// <summary>
/// Marks a property that records how something was written (quoting, literal form, cast syntax, span)
/// but not what it means; structural equality ignores it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SyntaxDetailAttribute : Attribute;

internal static class ImmutableArrayExtensions
{
    /// <summary>Code-built nodes may leave arrays <c>default</c>; treat that as empty.</summary>
    public static ImmutableArray<T> OrEmpty<T>(this ImmutableArray<T> array) => array.IsDefault ? [] : array;
}
