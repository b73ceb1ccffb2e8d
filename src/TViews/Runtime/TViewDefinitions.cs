using System.Reflection;

namespace TViews.Runtime;

/// <summary>Loads sets of definitions: scripts of <c>CREATE TABLE tv_x AS &lt;select&gt;;</c> statements.</summary>
public static class TViewDefinitions
{
    /// <summary>The definitions in a <c>.sql</c> file, or in every <c>.sql</c> file under a directory (in ordinal order of path).</summary>
    /// <param name="path">A file or a directory.</param>
    /// <exception cref="TViewsException">Neither exists, or a script does not parse (its code and position say why).</exception>
    public static IReadOnlyList<TViewDefinition> FromDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var files = Directory.Exists(path)
            ? Directory.GetFiles(path, "*.sql", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : File.Exists(path) ? [path] : throw new TViewsException($"no such file or directory: {path}", TViewsErrorCode.NotFound);
        var list = new List<TViewDefinition>();
        foreach (var f in files) list.AddRange(Parse(File.ReadAllText(f), f));
        return list;
    }

    /// <summary>The definitions in an assembly's embedded <c>.sql</c> resources whose names start with <paramref name="prefix"/>, in ordinal order of name.</summary>
    /// <param name="assembly">The assembly holding the resources.</param>
    /// <param name="prefix">Resource name prefix; every <c>.sql</c> resource when empty.</param>
    public static IReadOnlyList<TViewDefinition> FromEmbeddedResources(Assembly assembly, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var list = new List<TViewDefinition>();
        foreach (var name in assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
                     .OrderBy(n => n, StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            list.AddRange(Parse(reader.ReadToEnd(), name));
        }
        return list;
    }

    /// <summary>A script's definitions; a syntax error names the file it is in, and keeps its code and position.</summary>
    private static IReadOnlyList<TViewDefinition> Parse(string script, string origin)
    {
        try
        {
            return TViewDefinition.FromScript(script, origin);
        }
        catch (Sql.SqlSyntaxException e)
        {
            throw new TViewsException($"{origin}: {e.Message}", e);
        }
    }
}
