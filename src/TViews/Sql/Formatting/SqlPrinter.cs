using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;

namespace TViews.Sql;

/// <summary>
/// Builds SQL text bottom-up. Every method returns a fragment whose first line carries no indentation and whose
/// later lines are indented relative to the line the fragment starts on, so fragments nest by simple
/// concatenation plus <see cref="SqlFormatter.Indent"/>. In single-line mode no fragment contains a newline.
/// </summary>
internal sealed partial class SqlPrinter
{
    // Subqueries and lists up to this width stay on one line in the multi-line layout.
    private const int InlineWidth = 60;
    private const int TargetLineWidth = 100;

    private readonly SqlFormatOptions _options;
    private readonly bool _single;
    private readonly StrongBox<int> _unnamedSubqueries;
    private SqlPrinter? _inlinePrinter;

    public SqlPrinter(SqlFormatOptions options)
        : this(options, new StrongBox<int>(0))
    {
    }

    // The one-line printer used to measure fragments shares the counter, so invented aliases never repeat.
    private SqlPrinter(SqlFormatOptions options, StrongBox<int> unnamedSubqueries)
    {
        _options = options;
        _single = options.SingleLine;
        _unnamedSubqueries = unnamedSubqueries;
    }

    private SqlPrinter InlinePrinter => _inlinePrinter ??= _single ? this : new SqlPrinter(_options with { SingleLine = true }, _unnamedSubqueries);

    private string NewLine => _single ? " " : "\n";

    private string Indented(string text) => _single ? text : SqlFormatter.Indent(text, _options.IndentSize);

    private string Pad => new(' ', _options.IndentSize);

    /// <summary>Indents every line but the first (for a fragment placed after an indented prefix).</summary>
    private string IndentTail(string text)
    {
        int newline = text.IndexOf('\n');
        return newline < 0 || _single ? text : text[..newline] + "\n" + Indented(text[(newline + 1)..]);
    }

    public string Print(SqlNode node)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return node switch
        {
            Statement s => Statement(s),
            SelectStmt q => Query(q),
            QueryExpr q => QueryBody(q),
            FromItem f => FromItem(f),
            Expr e => Expr(e),
            TypeName t => Type(t),
            Identifier i => Name(i),
            QualifiedName q => QualifiedName(q, quoteAll: _options.QuoteAllIdentifiers),
            Alias a => AliasText(a),
            ResultTarget t => Target(t),
            SortItem s => SortItem(s),
            WithClause w => With(w),
            CommonTableExpr c => Cte(c),
            WindowSpec w => WindowSpec(w),
            WindowDef w => $"{Name(w.Name)} AS {WindowSpec(w.Spec)}",
            FrameClause f => Frame(f),
            FrameBound b => FrameBound(b),
            FetchClause f => Fetch(f),
            LockingClause l => Locking(l),
            CaseWhen w => $"WHEN {Expr(w.Condition)} THEN {Expr(w.Result)}",
            FuncArg a => FuncArg(a),
            RangeFunction r => RangeFunction(r),
            ColumnDef c => ColumnDef(c),
            _ => throw new InvalidOperationException($"Cannot format a {node.GetType().Name}."),
        };
    }

    // ---- names ---------------------------------------------------------------------------------

    /// <summary>A relation/column/alias/CTE identifier (subject to QuoteAllIdentifiers).</summary>
    private string Name(Identifier id) => SqlFormatter.QuoteIdentifier(id.Value, _options.QuoteAllIdentifiers);

    private string Name(string value) => SqlFormatter.QuoteIdentifier(value, _options.QuoteAllIdentifiers);

    private static string MinimalName(string value) => SqlFormatter.QuoteIdentifier(value);

    private string QualifiedName(QualifiedName name, bool quoteAll) =>
        string.Join(".", name.Parts.OrEmpty().Select(p => SqlFormatter.QuoteIdentifier(p.Value, quoteAll)));

    private string NameList(ImmutableArray<Identifier> names) => string.Join(", ", names.OrEmpty().Select(Name));

    // ---- statements ----------------------------------------------------------------------------

    private string Statement(Statement statement)
    {
        switch (statement)
        {
            case QueryStatement q:
                return Query(q.Query);
            case CreateViewStatement v:
            {
                var head = new StringBuilder("CREATE ");
                if (v.OrReplace) head.Append("OR REPLACE ");
                head.Append("VIEW ").Append(QualifiedName(v.Name, _options.QuoteAllIdentifiers));
                if (!v.ColumnNames.OrEmpty().IsEmpty) head.Append(" (").Append(NameList(v.ColumnNames)).Append(')');
                head.Append(" AS").Append(NewLine).Append(Query(v.Query));
                return head.ToString();
            }
            case CreateTableAsStatement t:
            {
                var head = new StringBuilder("CREATE TABLE ").Append(QualifiedName(t.Name, _options.QuoteAllIdentifiers));
                if (!t.ColumnNames.OrEmpty().IsEmpty) head.Append(" (").Append(NameList(t.ColumnNames)).Append(')');
                head.Append(" AS").Append(NewLine).Append(Query(t.Query));
                if (!t.WithData) head.Append(NewLine).Append("WITH NO DATA");
                return head.ToString();
            }
            default:
                throw new InvalidOperationException($"Cannot format a {statement.GetType().Name}.");
        }
    }

    // ---- queries -------------------------------------------------------------------------------

    private string Query(SelectStmt stmt)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (stmt.Limit is not null && stmt.Fetch is not null)
        {
            throw new InvalidOperationException("A query cannot have both LIMIT and FETCH FIRST.");
        }

        var body = stmt.Body;
        if (body is NestedQuery nested)
        {
            // "(inner) ORDER BY ..." would merge with the inner clauses in PostgreSQL; keep the nesting explicit.
            if (!stmt.HasOuterClauses) return Query(nested.Query);
            if (!nested.Query.HasOuterClauses) body = nested.Query.Body;
        }

        var lines = new List<string>();
        if (stmt.With is not null) lines.Add(With(stmt.With));
        if (body is NestedQuery wrapped)
        {
            lines.Add("SELECT *");
            lines.Add("FROM " + Block(Query(wrapped.Query)) + " AS " + Name(NextUnnamedSubquery()));
        }
        else
        {
            lines.Add(QueryBody(body));
        }
        if (!stmt.OrderBy.OrEmpty().IsEmpty) lines.Add("ORDER BY " + string.Join(", ", stmt.OrderBy.Select(SortItem)));
        if (stmt.Limit is not null) lines.Add("LIMIT " + Expr(stmt.Limit));
        if (stmt.Offset is not null) lines.Add("OFFSET " + Expr(stmt.Offset));
        if (stmt.Fetch is not null) lines.Add(Fetch(stmt.Fetch));
        foreach (var locking in stmt.Locking.OrEmpty()) lines.Add(Locking(locking));
        return string.Join(NewLine, lines);
    }

    private string NextUnnamedSubquery()
    {
        int n = ++_unnamedSubqueries.Value;
        return n == 1 ? "unnamed_subquery" : $"unnamed_subquery_{n}";
    }

    private string QueryBody(QueryExpr body) => body switch
    {
        SelectCore core => SelectCore(core),
        ValuesQuery values => Values(values),
        SetOperationQuery set => SetOperation(set),
        NestedQuery nested => Block(Query(nested.Query)),
        _ => throw new InvalidOperationException($"Cannot format a {body.GetType().Name}."),
    };

    /// <summary>A parenthesised query: inline when short, else an indented block.</summary>
    private string Block(string query)
    {
        if (_single) return "(" + query + ")";
        if (!query.Contains('\n') && query.Length <= InlineWidth) return "(" + query + ")";
        return "(\n" + Indented(query) + "\n)";
    }

    /// <summary>A subquery in parentheses, laid out inline when its one-line form is short.</summary>
    private string Subquery(SelectStmt query)
    {
        if (_single) return "(" + Query(query) + ")";
        string inline = InlinePrinter.Query(query);
        if (inline.Length <= InlineWidth) return "(" + inline + ")";
        return "(\n" + Indented(Query(query)) + "\n)";
    }

    private static int SetPrecedence(SetOperator op) => op == SetOperator.Intersect ? 2 : 1;

    private string SetOperation(SetOperationQuery set)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        int precedence = SetPrecedence(set.Operator);
        string left = SetOperand(set.Left, leftSide: true, precedence);
        string right = SetOperand(set.Right, leftSide: false, precedence);
        string op = set.Operator switch
        {
            SetOperator.Union => "UNION",
            SetOperator.Intersect => "INTERSECT",
            _ => "EXCEPT",
        };
        if (set.All) op += " ALL";
        return left + NewLine + op + NewLine + right;
    }

    private string SetOperand(QueryExpr operand, bool leftSide, int parentPrecedence)
    {
        switch (operand)
        {
            case NestedQuery nested:
                return Block(Query(nested.Query));
            case SetOperationQuery child:
            {
                int childPrecedence = SetPrecedence(child.Operator);
                bool parens = leftSide ? childPrecedence < parentPrecedence : childPrecedence <= parentPrecedence;
                return parens ? Block(SetOperation(child)) : SetOperation(child);
            }
            default:
                return QueryBody(operand);
        }
    }

    private string Values(ValuesQuery values)
    {
        var rows = values.Rows.OrEmpty().Select(r => "(" + string.Join(", ", r.OrEmpty().Select(e => Expr(e))) + ")").ToList();
        if (rows.Count == 0) throw new InvalidOperationException("VALUES needs at least one row.");
        string oneLine = "VALUES " + string.Join(", ", rows);
        if (_single || (!oneLine.Contains('\n') && oneLine.Length <= TargetLineWidth)) return oneLine;
        return "VALUES" + "\n" + Indented(string.Join(",\n", rows));
    }

    private string SelectCore(SelectCore core)
    {
        var lines = new List<string>();
        var head = new StringBuilder("SELECT");
        switch (core.Distinct)
        {
            case DistinctKind.All:
                head.Append(" ALL");
                break;
            case DistinctKind.Distinct:
                head.Append(" DISTINCT");
                if (!core.DistinctOn.OrEmpty().IsEmpty) head.Append(" ON (").Append(string.Join(", ", core.DistinctOn.Select(e => Expr(e)))).Append(')');
                break;
        }
        if (core.Distinct != DistinctKind.Distinct && !core.DistinctOn.OrEmpty().IsEmpty)
        {
            head.Append(" DISTINCT ON (").Append(string.Join(", ", core.DistinctOn.Select(e => Expr(e)))).Append(')');
        }
        var targets = core.Targets.OrEmpty().Select(Target).ToList();
        if (targets.Count > 0)
        {
            string joined = string.Join(", ", targets);
            if (_single || (!joined.Contains('\n') && head.Length + 1 + joined.Length <= TargetLineWidth))
            {
                head.Append(' ').Append(joined);
            }
            else
            {
                head.Append('\n').Append(Indented(string.Join(",\n", targets)));
            }
        }
        lines.Add(head.ToString());

        if (!core.From.OrEmpty().IsEmpty) lines.Add(FromClause(core.From));
        if (core.Where is not null) lines.Add("WHERE " + Condition(core.Where));
        if (!core.GroupBy.OrEmpty().IsEmpty)
        {
            lines.Add("GROUP BY " + (core.GroupByDistinct ? "DISTINCT " : "") + string.Join(", ", core.GroupBy.Select(GroupingItem)));
        }
        if (core.Having is not null) lines.Add("HAVING " + Condition(core.Having));
        if (!core.Windows.OrEmpty().IsEmpty)
        {
            lines.Add("WINDOW " + string.Join(", ", core.Windows.Select(w => $"{Name(w.Name)} AS {WindowSpec(w.Spec)}")));
        }
        return string.Join(NewLine, lines);
    }

    private string Target(ResultTarget target)
    {
        // "t.* AS x" is valid (the alias is ignored); a bare "*" cannot take an alias at all.
        if (target.Value is StarExpr { Qualifier: null } star) return Star(star);
        string value = Expr(target.Value);
        return target.Alias is null ? value : value + " AS " + Name(target.Alias);
    }

    /// <summary>WHERE/HAVING: a long top-level AND puts each condition on its own line.</summary>
    private string Condition(Expr condition)
    {
        if (_single || condition is not BoolExpr { Operator: BoolOperator.And } and || and.Operands.OrEmpty().Length < 2) return Expr(condition);
        // Each operand is rendered once (re-rendering would multiply the work at every nesting level).
        var parts = and.Operands.Select(o => Operand(o, Precedence.Not)).ToList();
        string oneLine = string.Join(" AND ", parts);
        if (!oneLine.Contains('\n') && oneLine.Length <= InlineWidth) return oneLine;
        return parts[0] + string.Concat(parts.Skip(1).Select(p => "\n" + Pad + "AND " + IndentTail(p)));
    }

    private string GroupingItem(Expr item)
    {
        var value = item is RowExpr { ExplicitRowKeyword: false } row && row.Fields.OrEmpty().Length == 1 ? row.Fields[0] : item;
        // A call of a function named cube or rollup reads as the grouping-set keyword at the top of a grouping
        // item; in parentheses it stays an expression.
        return value is FuncCall { Name.Parts.Length: 1 } f && f.Name.Parts[0].Value is "cube" or "rollup"
            ? "(" + Expr(value) + ")"
            : Expr(value);
    }

    private string With(WithClause with)
    {
        var ctes = with.Ctes.OrEmpty().Select(Cte).ToList();
        // "WITH recursive AS (...)" would read RECURSIVE as the keyword.
        if (!with.Recursive && ctes.Count > 0 && with.Ctes[0].Name.Value == "recursive" && !_options.QuoteAllIdentifiers)
        {
            ctes[0] = "\"recursive\"" + ctes[0]["recursive".Length..];
        }
        string head = with.Recursive ? "WITH RECURSIVE " : "WITH ";
        return head + string.Join("," + NewLine, ctes);
    }

    private string Cte(CommonTableExpr cte)
    {
        var sb = new StringBuilder(Name(cte.Name));
        if (!cte.Columns.OrEmpty().IsEmpty) sb.Append(" (").Append(NameList(cte.Columns)).Append(')');
        sb.Append(" AS ");
        if (cte.Materialization == CteMaterialization.Materialized) sb.Append("MATERIALIZED ");
        else if (cte.Materialization == CteMaterialization.NotMaterialized) sb.Append("NOT MATERIALIZED ");
        string query = Query(cte.Query);
        sb.Append(_single ? "(" + query + ")" : "(\n" + Indented(query) + "\n)");
        return sb.ToString();
    }

    private string SortItem(SortItem item)
    {
        var sb = new StringBuilder(Expr(item.Value));
        if (item.UsingOperator is not null)
        {
            sb.Append(" USING ").Append(OperatorText(item.UsingOperator, item.UsingOperatorSchema));
        }
        else if (item.Direction == SortDirection.Asc)
        {
            sb.Append(" ASC");
        }
        else if (item.Direction == SortDirection.Desc)
        {
            sb.Append(" DESC");
        }
        if (item.Nulls == NullsOrder.First) sb.Append(" NULLS FIRST");
        else if (item.Nulls == NullsOrder.Last) sb.Append(" NULLS LAST");
        return sb.ToString();
    }

    private string Fetch(FetchClause fetch)
    {
        var sb = new StringBuilder("FETCH FIRST ");
        if (fetch.Count is not null)
        {
            // select_fetch_first_value: a c_expr or a signed constant.
            bool simple = Prec(fetch.Count) >= Precedence.Primary
                          || fetch.Count is UnaryExpr { Operator: "+" or "-", OperatorSchema: null, Operand: Literal { Kind: LiteralKind.Integer or LiteralKind.Numeric } }
                          || IsNegativeNumber(fetch.Count);
            sb.Append(simple ? Expr(fetch.Count) : "(" + Expr(fetch.Count) + ")").Append(' ');
        }
        sb.Append("ROWS ").Append(fetch.WithTies ? "WITH TIES" : "ONLY");
        return sb.ToString();
    }

    private string Locking(LockingClause locking)
    {
        var sb = new StringBuilder("FOR ").Append(locking.Strength switch
        {
            LockStrength.Update => "UPDATE",
            LockStrength.NoKeyUpdate => "NO KEY UPDATE",
            LockStrength.Share => "SHARE",
            _ => "KEY SHARE",
        });
        if (!locking.Of.OrEmpty().IsEmpty) sb.Append(" OF ").Append(string.Join(", ", locking.Of.Select(q => QualifiedName(q, _options.QuoteAllIdentifiers))));
        if (locking.Wait == LockWaitPolicy.NoWait) sb.Append(" NOWAIT");
        else if (locking.Wait == LockWaitPolicy.SkipLocked) sb.Append(" SKIP LOCKED");
        return sb.ToString();
    }

    private string WindowSpec(WindowSpec spec)
    {
        if (spec.IsNameOnly && spec.ExistingName is not null && spec.PartitionBy.OrEmpty().IsEmpty && spec.OrderBy.OrEmpty().IsEmpty && spec.Frame is null)
        {
            return Name(spec.ExistingName);
        }
        var parts = new List<string>();
        if (spec.ExistingName is not null)
        {
            // These unreserved words would start a clause here instead of naming a window.
            bool clash = spec.ExistingName.Value is "partition" or "range" or "rows" or "groups";
            parts.Add(clash ? SqlFormatter.QuoteIdentifier(spec.ExistingName.Value, always: true) : Name(spec.ExistingName));
        }
        if (!spec.PartitionBy.OrEmpty().IsEmpty) parts.Add("PARTITION BY " + string.Join(", ", spec.PartitionBy.Select(e => Expr(e))));
        if (!spec.OrderBy.OrEmpty().IsEmpty) parts.Add("ORDER BY " + string.Join(", ", spec.OrderBy.Select(SortItem)));
        if (spec.Frame is not null) parts.Add(Frame(spec.Frame));
        return "(" + string.Join(" ", parts) + ")";
    }

    private string Frame(FrameClause frame)
    {
        string mode = frame.Mode switch
        {
            FrameMode.Rows => "ROWS",
            FrameMode.Groups => "GROUPS",
            _ => "RANGE",
        };
        string text = frame.End is null
            ? $"{mode} {FrameBound(frame.Start)}"
            : $"{mode} BETWEEN {FrameBound(frame.Start)} AND {FrameBound(frame.End)}";
        return frame.Exclusion switch
        {
            FrameExclusion.CurrentRow => text + " EXCLUDE CURRENT ROW",
            FrameExclusion.Group => text + " EXCLUDE GROUP",
            FrameExclusion.Ties => text + " EXCLUDE TIES",
            FrameExclusion.NoOthers => text + " EXCLUDE NO OTHERS",
            _ => text,
        };
    }

    private string FrameBound(FrameBound bound) => bound.Kind switch
    {
        FrameBoundKind.UnboundedPreceding => "UNBOUNDED PRECEDING",
        FrameBoundKind.UnboundedFollowing => "UNBOUNDED FOLLOWING",
        FrameBoundKind.CurrentRow => "CURRENT ROW",
        FrameBoundKind.Preceding => Operand(Required(bound.Offset, "PRECEDING offset"), Precedence.Other) + " PRECEDING",
        _ => Operand(Required(bound.Offset, "FOLLOWING offset"), Precedence.Other) + " FOLLOWING",
    };

    private static Expr Required(Expr? expr, string what) =>
        expr ?? throw new InvalidOperationException($"Missing {what}.");

    // ---- FROM ----------------------------------------------------------------------------------

    private string FromClause(ImmutableArray<FromItem> items)
    {
        var rendered = items.Select(FromItem).ToList();
        string oneLine = "FROM " + string.Join(", ", rendered);
        bool simple = items.All(i => i is TableRef or FunctionRef) && !oneLine.Contains('\n');
        if (_single || (simple && oneLine.Length <= TargetLineWidth)) return oneLine;
        return "FROM " + rendered[0] + string.Concat(rendered.Skip(1).Select(r => ",\n" + Pad + IndentTail(r)));
    }

    private string FromItem(FromItem item)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return item switch
        {
            TableRef t => (t.Only ? "ONLY " : "") + QualifiedName(t.Name, _options.QuoteAllIdentifiers) + AliasSuffix(t.Alias),
            SubqueryRef s => (s.Lateral ? "LATERAL " : "") + Subquery(s.Query) + AliasSuffix(s.Alias ?? new Alias(NextUnnamedSubquery())),
            FunctionRef f => FunctionReference(f),
            JoinExpr j => j.Alias is null ? Join(j) : "(" + Join(j, nested: true) + ")" + AliasSuffix(j.Alias),
            _ => throw new InvalidOperationException($"Cannot format a {item.GetType().Name}."),
        };
    }

    private string AliasSuffix(Alias? alias) => alias is null ? "" : " AS " + AliasText(alias);

    private string AliasText(Alias alias)
    {
        string text = Name(alias.Name);
        if (!alias.Columns.OrEmpty().IsEmpty) text += " (" + NameList(alias.Columns) + ")";
        return text;
    }

    private string Join(JoinExpr join, bool nested = false)
    {
        // The left side of a join chain needs no parentheses; a join on the right does (and stays on one line).
        string left = join.Left is JoinExpr { Alias: null } leftJoin ? Join(leftJoin, nested) : FromItem(join.Left);
        string right = join.Right is JoinExpr { Alias: null } rightJoin ? "(" + Join(rightJoin, nested: true) + ")" : FromItem(join.Right);

        bool hasCondition = join.On is not null || !join.Using.OrEmpty().IsEmpty;
        string keyword;
        string condition = "";
        if (join.Natural)
        {
            keyword = "NATURAL " + KindKeyword(join.Kind == JoinKind.Cross ? JoinKind.Inner : join.Kind);
        }
        else if (join.Kind == JoinKind.Cross || (join.Kind == JoinKind.Inner && !hasCondition))
        {
            keyword = join.On is null ? "CROSS JOIN" : "JOIN";
            if (join.On is not null) condition = " ON " + Expr(join.On);
        }
        else
        {
            keyword = KindKeyword(join.Kind);
            if (!join.Using.OrEmpty().IsEmpty) condition = " USING (" + NameList(join.Using) + ")";
            else condition = " ON " + (join.On is null ? "TRUE" : Expr(join.On));
        }
        if (_single || nested) return left + " " + keyword + " " + right + condition;
        return left + "\n" + Pad + IndentTail(keyword + " " + right + condition);
    }

    private static string KindKeyword(JoinKind kind) => kind switch
    {
        JoinKind.Left => "LEFT JOIN",
        JoinKind.Right => "RIGHT JOIN",
        JoinKind.Full => "FULL JOIN",
        _ => "JOIN",
    };

    private string FunctionReference(FunctionRef f)
    {
        var sb = new StringBuilder();
        if (f.Lateral) sb.Append("LATERAL ");
        var functions = f.Functions.OrEmpty();
        if (f.RowsFrom || functions.Length != 1)
        {
            sb.Append("ROWS FROM (").Append(string.Join(", ", functions.Select(RangeFunction))).Append(')');
        }
        else
        {
            sb.Append(FunctionInFrom(functions[0].Call));
        }
        if (f.WithOrdinality) sb.Append(" WITH ORDINALITY");
        var defs = f.ColumnDefinitions.OrEmpty();
        if (f.Alias is not null)
        {
            sb.Append(" AS ").Append(Name(f.Alias.Name));
            if (!defs.IsEmpty) sb.Append(" (").Append(string.Join(", ", defs.Select(ColumnDef))).Append(')');
            else if (!f.Alias.Columns.OrEmpty().IsEmpty) sb.Append(" (").Append(NameList(f.Alias.Columns)).Append(')');
        }
        else if (!defs.IsEmpty)
        {
            sb.Append(" AS (").Append(string.Join(", ", defs.Select(ColumnDef))).Append(')');
        }
        return sb.ToString();
    }

    private string RangeFunction(RangeFunction r)
    {
        string call = FunctionInFrom(r.Call);
        var defs = r.ColumnDefinitions.OrEmpty();
        return defs.IsEmpty ? call : call + " AS (" + string.Join(", ", defs.Select(ColumnDef)) + ")";
    }

    /// <summary>func_expr_windowless: calls and special forms print as themselves; anything else is not valid in FROM.</summary>
    private string FunctionInFrom(Expr call) => call switch
    {
        FuncCall or ExtractExpr or SubstringExpr or PositionExpr or TrimExpr or OverlayExpr or SqlValueFunction => Expr(call),
        CastExpr { Syntax: CastSyntax.Cast } => Expr(call),
        CastExpr c => Expr(c with { Syntax = CastSyntax.Cast }),
        _ => throw new InvalidOperationException($"A {call.GetType().Name} cannot be used as a function in FROM."),
    };

    private string ColumnDef(ColumnDef def)
    {
        string text = Name(def.Name) + " " + Type(def.Type);
        return def.Collation is null ? text : text + " COLLATE " + QualifiedName(def.Collation, quoteAll: false);
    }
}
