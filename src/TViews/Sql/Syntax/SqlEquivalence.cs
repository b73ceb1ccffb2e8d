using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;

namespace TViews.Sql;

/// <summary>
/// Structural comparison of syntax trees: same node types and same meaningful properties,
/// ignoring spans and <see cref="SyntaxDetailAttribute"/> properties. Backs <c>SqlNode.Equals</c>.
/// </summary>
internal static class SqlEquivalence
{
    private static readonly ConcurrentDictionary<Type, Member[]> Members = new();

    public static bool AreEquivalent(SqlNode? a, SqlNode? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null || a.GetType() != b.GetType()) return false;
        foreach (var member in MembersOf(a.GetType()))
        {
            if (!ValuesEqual(member.Get(a), member.Get(b))) return false;
        }
        return true;
    }

    public static int GetHashCode(SqlNode node)
    {
        var hash = new HashCode();
        hash.Add(node.GetType());
        foreach (var member in MembersOf(node.GetType())) hash.Add(ValueHash(member.Get(node)));
        return hash.ToHashCode();
    }

    private static bool ValuesEqual(object? x, object? y)
    {
        if (x is SqlNode nx) return y is SqlNode ny && AreEquivalent(nx, ny);
        if (x is IEnumerable ex and not string && y is IEnumerable ey and not string)
        {
            var ix = ex.GetEnumerator();
            var iy = ey.GetEnumerator();
            while (true)
            {
                bool mx = ix.MoveNext(), my = iy.MoveNext();
                if (mx != my) return false;
                if (!mx) return true;
                if (!ValuesEqual(ix.Current, iy.Current)) return false;
            }
        }
        return Equals(x, y);
    }

    private static int ValueHash(object? value)
    {
        switch (value)
        {
            case null: return 0;
            case SqlNode node: return GetHashCode(node);
            case string s: return StringComparer.Ordinal.GetHashCode(s);
            case IEnumerable items:
                var hash = new HashCode();
                foreach (var item in items) hash.Add(ValueHash(item));
                return hash.ToHashCode();
            default: return value.GetHashCode();
        }
    }

    private static Member[] MembersOf(Type type) => Members.GetOrAdd(type, static t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0
                        && p.Name != nameof(SqlNode.Children)
                        && p.GetCustomAttribute<SyntaxDetailAttribute>() is null
                        && !IsDerivedConvenience(p))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new Member(p))
            .ToArray());

    // Computed helpers (e.g. ColumnRef.Name) only restate other properties; skip properties without a setter.
    private static bool IsDerivedConvenience(PropertyInfo p) => p.SetMethod is null;

    private sealed class Member(PropertyInfo property)
    {
        private readonly bool _isImmutableArray =
            property.PropertyType.IsGenericType
            && property.PropertyType.GetGenericTypeDefinition() == typeof(ImmutableArray<>);

        private readonly PropertyInfo? _isDefault = property.PropertyType.IsGenericType
            && property.PropertyType.GetGenericTypeDefinition() == typeof(ImmutableArray<>)
                ? property.PropertyType.GetProperty(nameof(ImmutableArray<int>.IsDefault))
                : null;

        public object? Get(object target)
        {
            var value = property.GetValue(target);
            // A default ImmutableArray throws when enumerated; it means "empty".
            if (_isImmutableArray && value is not null && (bool)_isDefault!.GetValue(value)!) return Array.Empty<object>();
            return value;
        }
    }
}
