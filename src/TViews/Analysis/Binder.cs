using System.Collections.Immutable;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Resolves every relation, alias, CTE, subquery and column of a definition against the catalog,
/// building the scope tree the lineage analysis walks. Unknown or ambiguous names are reported with
/// their position. Nodes are keyed by reference: the AST's equality is structural.
/// </summary>
internal sealed class Binder
{
    private readonly SourceText? _source;
    private readonly IReadOnlyDictionary<string, CatalogRelation> _relations;

    public Dictionary<ColumnRef, List<ColumnBinding>> Columns { get; } = new(ReferenceEqualityComparer.Instance);
    public List<Scope> Scopes { get; } = [];
    public List<TableVar> Tables { get; } = [];
    public Scope Root { get; private set; } = null!;

    /// <summary>Join-merged columns (USING / NATURAL) per scope: name → the vars it reads (see <see cref="JoinColumns"/>).</summary>
    private readonly Dictionary<Scope, Dictionary<string, List<RangeVar>>> _merged = [];

    /// <summary>Output names of functions in FROM (by the call's position in the text), as PostgreSQL resolved them.</summary>
    private readonly IReadOnlyDictionary<int, IReadOnlyList<string>> _functionColumns;

    /// <summary>What each <c>*</c> of a select list stands for: one bound column reference per output column.</summary>
    private readonly Dictionary<StarExpr, List<Expr>> _starColumns = new(ReferenceEqualityComparer.Instance);

    /// <summary>CTEs whose own nodes are bound already: a second reference binds a copy (see <see cref="SyntaxCopier"/>).</summary>
    private readonly HashSet<CommonTableExpr> _boundCtes = new(ReferenceEqualityComparer.Instance);

    /// <param name="functionColumns">
    /// The output columns of functions in FROM by the start of their span, when known from PostgreSQL
    /// (a function's columns depend on the overload its argument types select, which only PostgreSQL knows).
    /// </param>
    public Binder(SourceText? source, IReadOnlyDictionary<string, CatalogRelation> relations, IReadOnlyDictionary<int, IReadOnlyList<string>>? functionColumns = null)
    {
        _source = source;
        _relations = relations;
        _functionColumns = functionColumns ?? new Dictionary<int, IReadOnlyList<string>>();
    }

    public static string RelationKey(QualifiedName name) => string.Join(".", name.Parts.Select(p => p.Value));

    /// <summary>Every table name the definition mentions (CTE names included; the caller skips those it cannot find).</summary>
    public static IEnumerable<QualifiedName> TableNames(SqlNode root) =>
        root.DescendantsAndSelf().OfType<TableRef>().Select(t => t.Name);

    /// <summary>
    /// The top-level scopes: the root alone, or each branch of a UNION at the top (in order; the first is
    /// <see cref="Root"/>, whose names the others' outputs take).
    /// </summary>
    public IReadOnlyList<Scope> Branches { get; private set; } = [];

    public void BindDefinition(SelectStmt definition)
    {
        var scopes = BindStatement(definition, null, ScopeLink.Root, null, CteEnv.Empty);
        Root = scopes[0];
        Branches = scopes;
    }

    /// <summary>The top-level scope (<see cref="Branches"/>) that <paramref name="scope"/> belongs to.</summary>
    public static Scope BranchOf(Scope scope)
    {
        var s = scope;
        while (s.Parent is { } p) s = p;
        return s;
    }

    private AnalysisException Error(SqlNode node, string detail) => AnalysisException.At(_source, node, detail);

    /// <summary>
    /// The CTEs in scope, each with the CTEs its own body sees (those defined before it, as in PostgreSQL;
    /// with RECURSIVE, itself too). <see cref="Recursing"/>: the recursive CTEs whose body is being bound,
    /// with that body: a reference to one of them there is the recursion's working table.
    /// </summary>
    private sealed record CteEnv(ImmutableDictionary<string, (CommonTableExpr Cte, CteEnv Env)> Ctes)
    {
        public static readonly CteEnv Empty = new(ImmutableDictionary<string, (CommonTableExpr, CteEnv)>.Empty);

        public ImmutableDictionary<string, (CommonTableExpr Cte, SelectStmt Body)> Recursing { get; init; } =
            ImmutableDictionary<string, (CommonTableExpr, SelectStmt)>.Empty;
    }

    /// <summary>Whether the definition has a WITH RECURSIVE anywhere (maintained whole: docs/sql.md).</summary>
    public static bool IsRecursive(SqlNode root) => root.DescendantsAndSelf().OfType<WithClause>().Any(w => w.Recursive);

    /// <summary>The first SELECT of a query expression: the one whose output names a set operation takes.</summary>
    private static SqlNode Leftmost(QueryExpr q) => q switch
    {
        SetOperationQuery set => Leftmost(set.Left),
        NestedQuery nested => Leftmost(nested.Query.Body),
        _ => q,
    };

    /// <summary>Binds a statement; returns the scopes of its set-operation branches (first one defines the output names).</summary>
    private List<Scope> BindStatement(SelectStmt stmt, Scope? parent, ScopeLink link, Expr? linkExpr, CteEnv env)
    {
        if (stmt.With is { } with)
        {
            // A non-recursive CTE sees the CTEs before it, never itself: `WITH t AS (SELECT ... FROM t)` reads table t.
            // A recursive one sees itself as well: the working table of the recursion.
            foreach (var cte in with.Ctes)
            {
                var before = env;
                env = new CteEnv(env.Ctes.SetItem(cte.Name.Value, (cte, before))) { Recursing = env.Recursing };
                if (with.Recursive)
                    env = new CteEnv(env.Ctes.SetItem(cte.Name.Value, (cte, env))) { Recursing = env.Recursing };
            }
        }
        var scopes = BindQueryExpr(stmt.Body, stmt, parent, link, linkExpr, env, null);
        var first = scopes[0];
        foreach (var item in stmt.OrderBy.OrEmpty()) BindExpr(item.Value, first, env, allowOutputAlias: true);
        if (parent is not null)
        {
            if (stmt.Limit is { } l) BindExpr(l, parent, env);
            if (stmt.Offset is { } o) BindExpr(o, parent, env);
        }
        return scopes;
    }

    private List<Scope> BindQueryExpr(QueryExpr q, SelectStmt stmt, Scope? parent, ScopeLink link, Expr? linkExpr, CteEnv env, IReadOnlyList<string>? outputNames)
    {
        switch (q)
        {
            case SelectCore core:
                return [BindCore(core, stmt, parent, link, linkExpr, env, outputNames)];
            case SetOperationQuery set:
                var left = BindQueryExpr(set.Left, stmt, parent, link, linkExpr, env, outputNames);
                var names = outputNames ?? OutputNames(left[0]);
                var right = BindQueryExpr(set.Right, stmt, parent, link, linkExpr, env, names);
                return [.. left, .. right];
            case NestedQuery nested:
                return BindStatement(nested.Query, parent, link, linkExpr, env);
            case ValuesQuery values:
                // VALUES has no FROM: a scope without names, so correlated references resolve outward.
                // Its columns are column1, column2, ... (as PostgreSQL names them).
                var width = values.Rows.OrEmpty().IsEmpty ? 0 : values.Rows[0].Length;
                var scope = NewScope(new SelectCore([]), stmt, parent, link, linkExpr,
                    outputNames ?? [.. Enumerable.Range(1, width).Select(i => $"column{i}")]);
                foreach (var row in values.Rows) foreach (var e in row) BindExpr(e, scope, env);
                return [scope];
            default:
                throw Error(q, $"unsupported query form {q.GetType().Name}");
        }
    }

    private Scope NewScope(SelectCore core, SelectStmt stmt, Scope? parent, ScopeLink link, Expr? linkExpr, IReadOnlyList<string>? outputNames)
    {
        var scope = new Scope(core, parent, link) { LinkExpr = linkExpr, Statement = stmt, OutputNames = outputNames };
        Scopes.Add(scope);
        _merged[scope] = new Dictionary<string, List<RangeVar>>(StringComparer.Ordinal);
        return scope;
    }

    private Scope BindCore(SelectCore core, SelectStmt stmt, Scope? parent, ScopeLink link, Expr? linkExpr, CteEnv env, IReadOnlyList<string>? outputNames)
    {
        var scope = NewScope(core, stmt, parent, link, linkExpr, outputNames);
        foreach (var item in core.From) BindFrom(item, scope, env);
        if (core.Where is { } w) BindExpr(w, scope, env);
        foreach (var t in core.Targets)
        {
            if (t.Value is StarExpr star) ExpandStar(star, scope);
            else BindExpr(t.Value, scope, env);
        }
        foreach (var g in core.GroupBy) BindExpr(g, scope, env, allowOutputAlias: true);
        if (core.Having is { } h) BindExpr(h, scope, env);
        foreach (var d in core.DistinctOn) BindExpr(d, scope, env, allowOutputAlias: true);
        foreach (var win in core.Windows) BindExpr(win.Spec, scope, env);
        return scope;
    }

    /// <summary>Binds a FROM item; returns the range variables it introduces (for join bookkeeping).</summary>
    private List<RangeVar> BindFrom(FromItem item, Scope scope, CteEnv env)
    {
        switch (item)
        {
            case TableRef t:
            {
                var alias = t.Alias?.Name.Value;
                if (t.Name.Parts.Length == 1 && env.Recursing.TryGetValue(t.Name.Name, out var self))
                {
                    // The recursion's working table: the rows of the previous step, named like the first SELECT's
                    // outputs (bound already: a recursive CTE is `first UNION [ALL] recursive term`).
                    var first = Scopes.LastOrDefault(x => ReferenceEquals(x.Core, Leftmost(self.Body.Body)))
                        ?? throw Error(t, $"the recursive WITH query \"{t.Name.Name}\" is referenced in its first SELECT; it must be a UNION of a SELECT without it and one with it");
                    var columns = !self.Cte.Columns.OrEmpty().IsEmpty ? self.Cte.Columns.Select(c => c.Value).ToList() : OutputNames(first);
                    var working = new OpaqueVar(alias ?? t.Name.Name, t, scope, TableVar.AliasColumns(t.Alias, columns));
                    scope.Vars.Add(working);
                    return [working];
                }
                if (t.Name.Parts.Length == 1 && env.Ctes.TryGetValue(t.Name.Name, out var entry))
                {
                    var cte = entry.Cte;
                    // Each reference is a scope of its own (like a subquery written twice); nodes are bound by
                    // reference, so the second reference binds a copy of the body.
                    var query = _boundCtes.Add(cte) ? cte.Query : SyntaxCopier.Copy(cte.Query);
                    var bodyEnv = entry.Env.Ctes.TryGetValue(cte.Name.Value, out var itself) && ReferenceEquals(itself.Cte, cte)
                        ? entry.Env with { Recursing = entry.Env.Recursing.SetItem(cte.Name.Value, (cte, query)) }
                        : entry.Env;
                    var inner = BindStatement(query, scope, ScopeLink.Derived, null, bodyEnv);
                    var cols = !cte.Columns.OrEmpty().IsEmpty ? TableVar.AliasColumns(new Alias(cte.Name, cte.Columns), OutputNames(inner[0])) : OutputNames(inner[0]);
                    var dv = new DerivedVar(alias ?? cte.Name.Value, t, scope, query, TableVar.AliasColumns(t.Alias, cols));
                    foreach (var s in inner) s.LinkVar = dv;
                    scope.Vars.Add(dv);
                    return [dv];
                }
                if (!_relations.TryGetValue(RelationKey(t.Name), out var rel))
                    throw Error(t.Name, $"relation \"{RelationKey(t.Name)}\" does not exist");
                if (rel.Kind is RelationKind.View or RelationKind.MaterializedView or RelationKind.ForeignTable or RelationKind.Other)
                    throw Error(t.Name, $"\"{rel.QualifiedName}\" is a {KindName(rel.Kind)}: a TVIEW can read tables and other TVIEWs only, whose changes fire triggers (inline the view's SELECT instead)");
                // Statement triggers fire on the table a statement names, not on its ancestors: a partitioned
                // table's partitions carry copies of its triggers (pg_tviews_mirror); other children are refused.
                if (rel.Kind is RelationKind.PartitionedTable && t.Only)
                    throw Error(t.Name, $"\"{rel.QualifiedName}\" is a partitioned table, which holds no rows of its own: ONLY {rel.QualifiedName} is always empty (read {rel.QualifiedName})");
                if (rel.HasAncestors)
                    throw Error(t.Name, $"\"{rel.QualifiedName}\" is a partition or inheritance child: writes addressed to its parent reach its rows without firing its triggers, so the TVIEW would go stale (read a table that has no parent)");
                if (rel.HasInheritanceChildren && !t.Only)
                    throw Error(t.Name, $"\"{rel.QualifiedName}\" has inheritance children: writes addressed to a child fire no trigger on it, so the TVIEW would go stale (read ONLY {rel.QualifiedName} when the children's rows do not belong to the TVIEW)");
                var tv = new TableVar(alias ?? t.Name.Name, t, scope, rel);
                // Column aliases rename by position: the delta relation must then carry every column.
                if (t.Alias is { } al && !al.Columns.OrEmpty().IsEmpty) tv.ReferenceAll();
                scope.Vars.Add(tv);
                Tables.Add(tv);
                return [tv];
            }
            case SubqueryRef s:
            {
                var inner = BindStatement(s.Query, scope, ScopeLink.Derived, null, env);
                var name = s.Alias?.Name.Value ?? "unnamed_subquery";
                var dv = new DerivedVar(name, s, scope, s.Query, TableVar.AliasColumns(s.Alias, OutputNames(inner[0])));
                foreach (var sc in inner) sc.LinkVar = dv;
                scope.Vars.Add(dv);
                return [dv];
            }
            case FunctionRef f:
            {
                foreach (var rf in f.Functions) BindExpr(rf.Call, scope, env);
                var name = f.Alias?.Name.Value ?? (f.Functions.FirstOrDefault()?.Call is FuncCall fc ? fc.Name.Name : "function");
                // Without a column definition list the function's outputs are those PostgreSQL reported, else
                // unknown (alias columns may name only a prefix of them): unresolved names may then belong to it.
                IReadOnlyList<string>? cols = !f.ColumnDefinitions.OrEmpty().IsEmpty ? f.ColumnDefinitions.Select(c => c.Name.Value).ToList()
                    : !f.Span.IsEmpty && _functionColumns.TryGetValue(f.Span.Start, out var known) ? known : null;
                var ov = new OpaqueVar(name, f, scope, cols);
                scope.Vars.Add(ov);
                return [ov];
            }
            case JoinExpr j:
            {
                var left = BindFrom(j.Left, scope, env);
                var right = BindFrom(j.Right, scope, env);
                var merged = _merged[scope];
                var mergedNames = MergedNames(j, scope);
                var columns = mergedNames.Count == 0 ? [] : JoinColumns(j, scope);
                foreach (var col in mergedNames)
                {
                    // The join compares both sides' columns; the merged name reads the side PostgreSQL takes it from.
                    foreach (var v in left.Concat(right).Where(v => v.HasColumn(col))) MarkReferenced(v, col);
                    merged[col] = [.. columns.First(c => c.Name == col).Vars];
                }
                if (j.On is { } on) BindExpr(on, scope, env);
                var all = left.Concat(right).ToList();
                if (j.Alias is { } alias)
                {
                    // An aliased join hides its members' names: expose them under the alias.
                    var cols = JoinColumns(j, scope).Select(c => c.Name).ToList();
                    var ov = new OpaqueVar(alias.Name.Value, j, scope, TableVar.AliasColumns(alias, cols));
                    scope.Vars.Add(ov);
                    _joinAliases[ov] = all;
                }
                return all;
            }
            default:
                throw Error(item, $"unsupported FROM item {item.GetType().Name}");
        }
    }

    private readonly Dictionary<OpaqueVar, List<RangeVar>> _joinAliases = [];

    private static string KindName(RelationKind k) => k switch
    {
        RelationKind.View => "view",
        RelationKind.MaterializedView => "materialized view",
        RelationKind.ForeignTable => "foreign table",
        _ => "relation of an unsupported kind",
    };

    /// <summary>One column a <c>*</c> stands for: its name and the variables it reads (several for a USING / NATURAL merged column).</summary>
    private sealed record StarColumn(string Name, IReadOnlyList<RangeVar> Vars);

    /// <summary>
    /// Binds a <c>*</c> of a select list: one column reference per column, bound as the user writing it
    /// out would bind it (a FULL JOIN's merged column, which reads both sides, as its unqualified name).
    /// Refuses a <c>*</c> over columns nobody can name here.
    /// </summary>
    private void ExpandStar(StarExpr star, Scope scope)
    {
        BindStar(star, scope);
        if (StarVars(star, scope).FirstOrDefault(v => v.Columns is null) is { } unknown)
            throw Error(star, $"* over {unknown.Name}, whose columns TViews cannot tell: list the columns, or give {unknown.Name} a column definition list");
        var list = new List<Expr>();
        foreach (var c in StarColumns(star, scope))
        {
            // A merged column has no table of its own to point at: a refusal about it points at the star.
            var cr = c.Vars.Count == 1 ? ColumnRef.Of(c.Vars[0].Name, c.Name) : ColumnRef.Of(c.Name) with { Span = star.Span };
            foreach (var v in c.Vars) MarkReferenced(v, c.Name);
            Record(cr, c.Vars.Select(v => new ColumnBinding(v, c.Name)));
            list.Add(cr);
        }
        _starColumns[star] = list;
    }

    /// <summary>The select list's output expressions in column order, each <c>*</c> as the column references it stands for.</summary>
    public List<Expr> Outputs(Scope scope)
    {
        var list = new List<Expr>();
        foreach (var t in scope.Core.Targets)
        {
            if (t.Value is StarExpr star && _starColumns.TryGetValue(star, out var columns)) list.AddRange(columns);
            else list.Add(t.Value);
        }
        return list;
    }

    /// <summary>The output names of a <c>*</c>, as PostgreSQL expands it.</summary>
    public static IEnumerable<string> StarOutputNames(StarExpr star, Scope scope) => StarColumns(star, scope).Select(c => c.Name);

    private static IEnumerable<RangeVar> StarVars(StarExpr star, Scope scope) => star.Qualifier is null
        ? scope.Core.From.SelectMany(item => ItemVars(item, scope))
        : FindVar(scope, star.Qualifier.Name, star.Qualifier.Schema) is { } v ? [v] : [];

    private static IEnumerable<RangeVar> ItemVars(FromItem item, Scope scope) =>
        item is JoinExpr { Alias: null } j ? ItemVars(j.Left, scope).Concat(ItemVars(j.Right, scope))
        : scope.Vars.Where(v => ReferenceEquals(v.Node, item));

    /// <summary>
    /// The columns of a <c>*</c>: a qualified one those of its variable; an unqualified one those of each
    /// FROM item in order, a join giving its merged (USING / NATURAL) columns once, first.
    /// </summary>
    private static List<StarColumn> StarColumns(StarExpr star, Scope scope)
    {
        if (star.Qualifier is not null)
            return [.. StarVars(star, scope).SelectMany(v => (v.Columns ?? []).Select(c => new StarColumn(c, [v])))];
        return [.. scope.Core.From.SelectMany(item => ItemColumns(item, scope))];
    }

    private static List<StarColumn> ItemColumns(FromItem item, Scope scope)
    {
        if (item is JoinExpr { Alias: null } j) return JoinColumns(j, scope);
        var v = scope.Vars.FirstOrDefault(v => ReferenceEquals(v.Node, item));
        return v is null ? [] : [.. (v.Columns ?? []).Select(c => new StarColumn(c, [v]))];
    }

    /// <summary>The columns a USING / NATURAL join merges: USING's, or the names both sides have (in the left side's order).</summary>
    private static List<string> MergedNames(JoinExpr j, Scope scope)
    {
        if (!j.Natural) return [.. j.Using.OrEmpty().Select(u => u.Value)];
        var right = ItemColumns(j.Right, scope);
        return [.. ItemColumns(j.Left, scope).Select(c => c.Name).Where(n => right.Any(r => r.Name == n)).Distinct()];
    }

    /// <summary>
    /// A join's columns as PostgreSQL orders them: merged columns first, then the rest of each side. A
    /// merged column is the left side's in an INNER or LEFT join, the right side's in a RIGHT join (as
    /// PostgreSQL's join alias variables are), and COALESCE of both in a FULL join: it reads both.
    /// </summary>
    private static List<StarColumn> JoinColumns(JoinExpr j, Scope scope)
    {
        var left = ItemColumns(j.Left, scope);
        var right = ItemColumns(j.Right, scope);
        var merged = MergedNames(j, scope);
        IEnumerable<RangeVar> Side(List<StarColumn> side, string name) => side.Where(c => c.Name == name).SelectMany(c => c.Vars);
        var list = merged
            .Select(n => new StarColumn(n, [.. (j.Kind switch
            {
                JoinKind.Right => Side(right, n),
                JoinKind.Full => Side(left, n).Concat(Side(right, n)),
                _ => Side(left, n),
            }).Distinct()]))
            .ToList();
        list.AddRange(left.Where(c => !merged.Contains(c.Name)));
        list.AddRange(right.Where(c => !merged.Contains(c.Name)));
        return list;
    }

    private void BindStar(StarExpr star, Scope scope)
    {
        if (star.Qualifier is null)
        {
            foreach (var v in scope.Vars) ReferenceAll(v);
            return;
        }
        var name = star.Qualifier.Name;
        var v2 = FindVar(scope, name, star.Qualifier.Schema) ?? throw Error(star, $"missing FROM-clause entry for table \"{name}\"");
        ReferenceAll(v2);
    }

    private void ReferenceAll(RangeVar v)
    {
        switch (v)
        {
            case TableVar tv: tv.ReferenceAll(); break;
            case OpaqueVar ov when _joinAliases.TryGetValue(ov, out var members):
                foreach (var m in members) ReferenceAll(m);
                break;
        }
    }

    private void MarkReferenced(RangeVar v, string column)
    {
        switch (v)
        {
            case TableVar tv when tv.HasColumn(column): tv.ReferencedColumns.Add(tv.RelationColumn(column)); break;
            case OpaqueVar ov when _joinAliases.TryGetValue(ov, out var members):
                foreach (var m in members.Where(m => m.HasColumn(column))) MarkReferenced(m, column);
                break;
        }
    }

    private static RangeVar? FindVar(Scope scope, string name, string? schema)
    {
        for (var s = scope; s is not null; s = s.Parent)
        {
            var match = s.Vars.LastOrDefault(v => v.Name == name && (schema is null || (v is TableVar tv && tv.Ref.Alias is null && tv.Relation.Schema == schema)));
            if (match is not null) return match;
        }
        return null;
    }

    private void BindExpr(SqlNode node, Scope scope, CteEnv env, bool allowOutputAlias = false)
    {
        switch (node)
        {
            case ColumnRef cr:
                Resolve(cr, scope, allowOutputAlias);
                return;
            case StarExpr star:
                BindStar(star, scope);
                return;
            case SubqueryExpr sq:
                BindStatement(sq.Query, scope, ScopeLink.Expression, sq, env);
                return;
            case InSubqueryExpr ins:
                BindExpr(ins.Operand, scope, env);
                BindStatement(ins.Query, scope, ScopeLink.Expression, ins, env);
                return;
            case QuantifiedExpr qe when qe.Query is not null:
                BindExpr(qe.Left, scope, env);
                BindStatement(qe.Query, scope, ScopeLink.Expression, qe, env);
                return;
            case SelectStmt stmt:
                BindStatement(stmt, scope, ScopeLink.Expression, null, env);
                return;
        }
        foreach (var child in node.Children) BindExpr(child, scope, env, allowOutputAlias);
    }

    private void Resolve(ColumnRef cr, Scope scope, bool allowOutputAlias)
    {
        var parts = cr.Parts;
        switch (parts.Length)
        {
            case 1:
            {
                var name = parts[0].Value;
                for (var s = scope; s is not null; s = s.Parent)
                {
                    if (_merged[s].TryGetValue(name, out var mergedVars) && mergedVars.Count > 0)
                    {
                        foreach (var v in mergedVars) MarkReferenced(v, name);
                        Record(cr, mergedVars.Select(v => new ColumnBinding(v, name)));
                        return;
                    }
                    var candidates = s.Vars.Where(v => v.HasColumn(name) && !IsHiddenByJoinAlias(v, s)).ToList();
                    if (candidates.Count > 1)
                        throw Error(cr, $"column reference \"{name}\" is ambiguous");
                    if (candidates.Count == 1)
                    {
                        MarkReferenced(candidates[0], name);
                        Record(cr, [new ColumnBinding(candidates[0], name)]);
                        return;
                    }
                    var rowVar = s.Vars.LastOrDefault(v => v.Name == name);
                    if (rowVar is not null)
                    {
                        ReferenceAll(rowVar);
                        Record(cr, [new ColumnBinding(rowVar, null)]);
                        return;
                    }
                    var open = s.Vars.FirstOrDefault(v => v.Columns is null);
                    if (open is not null)
                    {
                        Record(cr, [new ColumnBinding(open, name)]);
                        return;
                    }
                }
                if (allowOutputAlias) return; // ORDER BY / GROUP BY may name an output column
                if (SystemColumns.Contains(name)) throw SystemColumnError(cr, name);
                throw Error(cr, $"column \"{name}\" does not exist");
            }
            case 2:
            case 3:
            {
                var table = parts[^2].Value;
                var schema = parts.Length == 3 ? parts[0].Value : null;
                var column = parts[^1].Value;
                var v = FindVar(scope, table, schema) ?? throw Error(cr, $"missing FROM-clause entry for table \"{table}\"");
                if (v.Columns is not null && !v.HasColumn(column))
                    throw v is TableVar && SystemColumns.Contains(column) ? SystemColumnError(cr, column) : Error(cr, $"column {table}.{column} does not exist");
                MarkReferenced(v, column);
                Record(cr, [new ColumnBinding(v, column)]);
                return;
            }
            default:
                throw Error(cr, $"improper qualified name (too many dotted names): {string.Join(".", parts.Select(p => p.Value))}");
        }
    }

    private static readonly HashSet<string> SystemColumns = new(StringComparer.Ordinal) { "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid" };

    private AnalysisException SystemColumnError(ColumnRef cr, string name) =>
        Error(cr, $"system column {name} is not maintainable: it tells where or by which transaction a row version was written, not what the row holds");

    private bool IsHiddenByJoinAlias(RangeVar v, Scope s) =>
        _joinAliases.Any(kv => kv.Key.Scope == s && kv.Value.Contains(v));

    private void Record(ColumnRef cr, IEnumerable<ColumnBinding> bindings)
    {
        if (!Columns.TryGetValue(cr, out var list)) Columns[cr] = list = [];
        list.AddRange(bindings);
    }

    /// <summary>Output column names of a SELECT core, as PostgreSQL names them (stars expanded).</summary>
    public static List<string> OutputNames(Scope scope)
    {
        if (scope.OutputNames is { } given) return [.. given];
        var names = new List<string>();
        foreach (var t in scope.Core.Targets)
        {
            if (t.Value is StarExpr star)
            {
                names.AddRange(StarOutputNames(star, scope));
                continue;
            }
            names.Add(TargetName(t));
        }
        return names;
    }

    public static string TargetName(ResultTarget t) => t.Alias?.Value ?? ImplicitName(t.Value);

    private static string ImplicitName(Expr e) => e switch
    {
        ColumnRef c => c.Name,
        FuncCall f => f.Name.Name,
        CastExpr c => ImplicitName(c.Operand) is "?column?" ? c.Type.Name.Name : ImplicitName(c.Operand),
        FieldSelectExpr { Field: { } f } => f.Value,
        SubqueryExpr { Kind: SubqueryKind.Exists } => "exists",
        SubqueryExpr { Kind: SubqueryKind.Array } => "array",
        ArrayExpr => "array",
        CaseExpr => "case",
        RowExpr => "row",
        _ => "?column?",
    };
}
