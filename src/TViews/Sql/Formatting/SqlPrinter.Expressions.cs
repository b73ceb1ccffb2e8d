using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace TViews.Sql;

internal sealed partial class SqlPrinter
{
    private static readonly Regex NumberPattern = new(@"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", RegexOptions.CultureInvariant);

    /// <summary>Special-syntax keywords that accept a plain argument list, so a call by that name prints bare.</summary>
    private static readonly HashSet<string> BareKeywordFunctions = ["coalesce", "greatest", "least", "nullif", "grouping", "substring", "overlay"];

    /// <summary>How tightly a printed expression binds, to decide parentheses (see <see cref="Precedence"/>).</summary>
    private static int Prec(Expr e) => e switch
    {
        BoolExpr { Operator: BoolOperator.Or } b => b.Operands.OrEmpty().Length == 1 ? Prec(b.Operands[0]) : b.Operands.OrEmpty().IsEmpty ? Precedence.Primary : Precedence.Or,
        BoolExpr b => b.Operands.OrEmpty().Length == 1 ? Prec(b.Operands[0]) : b.Operands.OrEmpty().IsEmpty ? Precedence.Primary : Precedence.And,
        NotExpr => Precedence.Not,
        IsExpr or IsDistinctFromExpr => Precedence.Is,
        BinaryExpr b => Precedence.OfBinary(b.Operator, b.OperatorSchema is not null),
        QuantifiedExpr q => Precedence.OfBinary(q.Operator, q.OperatorSchema is not null),
        InListExpr or InSubqueryExpr or BetweenExpr or LikeExpr => Precedence.Like,
        AtTimeZoneExpr => Precedence.AtTimeZone,
        CollateExpr => Precedence.Collate,
        UnaryExpr { Operator: "+" or "-", OperatorSchema: null } => Precedence.Unary,
        UnaryExpr => Precedence.Other,
        Literal l when IsNegativeNumber(l) => Precedence.Unary,
        Literal { Kind: LiteralKind.Integer or LiteralKind.Numeric } l when !NumberPattern.IsMatch(l.Value) => Precedence.Postfix,
        CastExpr { Syntax: CastSyntax.DoubleColon } => Precedence.Postfix,
        SubscriptExpr or FieldSelectExpr => Precedence.Postfix,
        TypedLiteral t when t.Type.IsArray => Precedence.Postfix,
        _ => Precedence.Primary,
    };

    private static bool IsNegativeNumber(Expr e) =>
        e is Literal { Kind: LiteralKind.Integer or LiteralKind.Numeric } l && l.Value.StartsWith('-') && NumberPattern.IsMatch(l.Value);

    /// <summary>The expression, parenthesised unless it binds at least as tightly as <paramref name="minPrecedence"/>.</summary>
    private string Operand(Expr e, int minPrecedence)
    {
        string text = Expr(e);
        return Prec(e) >= minPrecedence ? text : "(" + text + ")";
    }

    private string Expr(Expr e)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case ColumnRef c:
                return string.Join(".", c.Parts.OrEmpty().Select(Name));
            case StarExpr s:
                return Star(s);
            case Literal l:
                return LiteralText(l);
            case TypedLiteral t:
                return TypedLiteral(t);
            case ParamRef p:
                return "$" + p.Number.ToString(CultureInfo.InvariantCulture);
            case BinaryExpr b:
            {
                int p = Precedence.OfBinary(b.Operator, b.OperatorSchema is not null);
                bool nonAssociative = p == Precedence.Comparison;
                // Conservative: comparisons take only "other"-level operands or tighter unparenthesised.
                int leftMin = nonAssociative ? Precedence.Other : p;
                int rightMin = nonAssociative ? Precedence.Other : p + 1;
                return Operand(b.Left, leftMin) + " " + OperatorText(b.Operator, b.OperatorSchema) + " " + Operand(b.Right, rightMin);
            }
            case UnaryExpr u:
                return Unary(u);
            case BoolExpr b:
                return Bool(b);
            case NotExpr n:
                return "NOT " + Operand(n.Operand, Precedence.Postfix);
            case IsExpr i:
            {
                string test = i.Test switch
                {
                    IsTest.Null => "NULL",
                    IsTest.True => "TRUE",
                    IsTest.False => "FALSE",
                    _ => "UNKNOWN",
                };
                return Operand(i.Operand, Precedence.Other) + (i.Negated ? " IS NOT " : " IS ") + test;
            }
            case IsDistinctFromExpr d:
                return Operand(d.Left, Precedence.Other) + (d.Negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ") + Operand(d.Right, Precedence.Other);
            case InListExpr i:
                return InList(i);
            case InSubqueryExpr i:
                return Operand(i.Operand, Precedence.Other) + (i.Negated ? " NOT IN " : " IN ") + Subquery(i.Query);
            case QuantifiedExpr q:
                return Quantified(q);
            case BetweenExpr b:
                return Operand(b.Operand, Precedence.Other) + (b.Negated ? " NOT BETWEEN " : " BETWEEN ") + (b.Symmetric ? "SYMMETRIC " : "")
                       + Operand(b.Low, Precedence.Other) + " AND " + Operand(b.High, Precedence.Other);
            case LikeExpr l:
            {
                string op = l.Kind switch
                {
                    LikeKind.Like => "LIKE",
                    LikeKind.ILike => "ILIKE",
                    _ => "SIMILAR TO",
                };
                string text = Operand(l.Operand, Precedence.Other) + (l.Negated ? " NOT " : " ") + op + " " + Operand(l.Pattern, Precedence.Other);
                return l.Escape is null ? text : text + " ESCAPE " + Operand(l.Escape, Precedence.Other);
            }
            case CaseExpr c:
                return Case(c);
            case CastExpr c:
                return c.Syntax == CastSyntax.Cast
                    ? "CAST(" + Expr(c.Operand) + " AS " + Type(c.Type) + ")"
                    : Operand(c.Operand, Precedence.Postfix) + "::" + Type(c.Type);
            case FuncCall f:
                return FunctionCall(f);
            case SubqueryExpr s:
                return s.Kind switch
                {
                    SubqueryKind.Exists => "EXISTS " + Subquery(s.Query),
                    SubqueryKind.Array => "ARRAY" + Subquery(s.Query),
                    _ => Subquery(s.Query),
                };
            case ArrayExpr a:
                return "ARRAY" + ArrayBrackets(a);
            case RowExpr r:
            {
                var fields = r.Fields.OrEmpty();
                string list = string.Join(", ", fields.Select(f => Expr(f)));
                return r.ExplicitRowKeyword || fields.Length < 2 ? "ROW(" + list + ")" : "(" + list + ")";
            }
            case SubscriptExpr s:
            {
                string target = s.Target is ColumnRef or ParamRef or SubscriptExpr or FieldSelectExpr
                    ? Expr(s.Target)
                    : "(" + Expr(s.Target) + ")";
                string index = s.IsSlice
                    ? (s.Lower is null ? "" : Expr(s.Lower)) + ":" + (s.Upper is null ? "" : Expr(s.Upper))
                    : Expr(Required(s.Lower, "subscript"));
                return target + "[" + index + "]";
            }
            case FieldSelectExpr f:
            {
                // "(x).f": without parentheses "a.f" would name column f of table a.
                string target = f.Target is SubscriptExpr or FieldSelectExpr ? Expr(f.Target) : "(" + Expr(f.Target) + ")";
                return target + "." + (f.Field is null ? "*" : Name(f.Field));
            }
            case CollateExpr c:
                return Operand(c.Operand, Precedence.Collate) + " COLLATE " + QualifiedName(c.Collation, quoteAll: false);
            case AtTimeZoneExpr a:
                return Operand(a.Operand, Precedence.AtTimeZone) + " AT TIME ZONE " + Operand(a.Zone, Precedence.AtTimeZone + 1);
            case ExtractExpr x:
            {
                string field = SqlFormatter.IsSimpleName(x.Field)
                               && (SqlKeywords.Category(x.Field) == KeywordCategory.None || x.Field is "year" or "month" or "day" or "hour" or "minute" or "second")
                    ? x.Field
                    : SqlFormatter.QuoteLiteral(x.Field);
                return "EXTRACT(" + field + " FROM " + Expr(x.Source) + ")";
            }
            case SubstringExpr s:
            {
                // The SIMILAR form is PostgreSQL 14+; "FROM pattern FOR escape" means the same and works on 13.
                var sb = new StringBuilder("SUBSTRING(").Append(Expr(s.Source));
                if (s.From is not null) sb.Append(" FROM ").Append(Expr(s.From));
                if (s.For is not null) sb.Append(" FOR ").Append(Expr(s.For));
                return sb.Append(')').ToString();
            }
            case PositionExpr p:
                return "POSITION(" + Operand(p.Needle, Precedence.Other) + " IN " + Operand(p.Haystack, Precedence.Other) + ")";
            case TrimExpr t:
            {
                string side = t.Side switch
                {
                    TrimSide.Leading => "LEADING",
                    TrimSide.Trailing => "TRAILING",
                    _ => "BOTH",
                };
                string chars = t.Characters is null ? "" : Expr(t.Characters) + " ";
                return "TRIM(" + side + " " + chars + "FROM " + Expr(t.Source) + ")";
            }
            case OverlayExpr o:
            {
                string text = "OVERLAY(" + Expr(o.Source) + " PLACING " + Expr(o.Replacement) + " FROM " + Expr(o.From);
                return (o.For is null ? text : text + " FOR " + Expr(o.For)) + ")";
            }
            case SqlValueFunction v:
                return ValueFunction(v);
            case GroupingSet g:
                return g.Kind switch
                {
                    GroupingSetKind.Empty => "()",
                    GroupingSetKind.Rollup => "ROLLUP (" + string.Join(", ", g.Items.OrEmpty().Select(GroupingItem)) + ")",
                    GroupingSetKind.Cube => "CUBE (" + string.Join(", ", g.Items.OrEmpty().Select(GroupingItem)) + ")",
                    _ => "GROUPING SETS (" + string.Join(", ", g.Items.OrEmpty().Select(GroupingItem)) + ")",
                };
            default:
                throw new InvalidOperationException($"Cannot format a {e.GetType().Name}.");
        }
    }

    private string Star(StarExpr star) =>
        star.Qualifier is null ? "*" : QualifiedName(star.Qualifier, _options.QuoteAllIdentifiers) + ".*";

    private static string OperatorText(string op, string? schema) =>
        schema is null ? op : "OPERATOR(" + MinimalName(schema) + "." + op + ")";

    private string Unary(UnaryExpr u)
    {
        string op = OperatorText(u.Operator, u.OperatorSchema);
        // The operand of a prefix operator is parenthesised unless it is at least as tight as unary minus.
        bool parens = Prec(u.Operand) < Precedence.Unary;
        string operand = Expr(u.Operand);
        if (parens) return op + "(" + operand + ")";
        // "- -1" must not become the comment "--1", nor "@-1" the operator "@-".
        bool startsWithOperatorChar = u.Operand is UnaryExpr || IsNegativeNumber(u.Operand);
        return op + (startsWithOperatorChar || u.OperatorSchema is not null ? " " : "") + operand;
    }

    private string Bool(BoolExpr b)
    {
        var operands = b.Operands.OrEmpty();
        if (operands.IsEmpty) return b.Operator == BoolOperator.And ? "TRUE" : "FALSE";
        if (operands.Length == 1) return Expr(operands[0]);
        int p = b.Operator == BoolOperator.And ? Precedence.And : Precedence.Or;
        // Nested AND in AND (or OR in OR) keeps its parentheses so the tree shape survives a round trip.
        string separator = b.Operator == BoolOperator.And ? " AND " : " OR ";
        // AND inside OR is parenthesised too, for readers: "(a AND b) OR c".
        int operandMin = b.Operator == BoolOperator.Or ? Precedence.Not : p + 1;
        return string.Join(separator, operands.Select(o => Operand(o, operandMin)));
    }

    private string InList(InListExpr i)
    {
        var items = i.Items.OrEmpty();
        if (items.IsEmpty) throw new InvalidOperationException("IN needs at least one value.");
        string list;
        if (items.Length == 1 && items[0] is SubqueryExpr { Kind: SubqueryKind.Scalar })
        {
            // "x IN ((SELECT ...))" would read as IN (subquery); COALESCE keeps it a one-value list.
            list = "coalesce(" + Expr(items[0]) + ")";
        }
        else
        {
            list = string.Join(", ", items.Select(e => Expr(e)));
        }
        return Operand(i.Operand, Precedence.Other) + (i.Negated ? " NOT IN (" : " IN (") + list + ")";
    }

    private string Quantified(QuantifiedExpr q)
    {
        string head = Operand(q.Left, Precedence.Other) + " " + OperatorText(q.Operator, q.OperatorSchema) + " "
                      + (q.Quantifier == Quantifier.All ? "ALL " : "ANY ");
        if (q.Query is not null) return head + Subquery(q.Query);
        var array = Required(q.Array, "ANY/ALL operand");
        // "ANY ((SELECT arr ...))" would read as ANY (subquery); COALESCE keeps it an array expression.
        string text = array is SubqueryExpr { Kind: SubqueryKind.Scalar } ? "coalesce(" + Expr(array) + ")" : Expr(array);
        return head + "(" + text + ")";
    }

    private string Case(CaseExpr c)
    {
        var whens = c.Whens.OrEmpty();
        if (whens.IsEmpty) throw new InvalidOperationException("CASE needs at least one WHEN.");
        var parts = new List<string>();
        parts.AddRange(whens.Select(w => "WHEN " + Expr(w.Condition) + " THEN " + Expr(w.Result)));
        if (c.Else is not null) parts.Add("ELSE " + Expr(c.Else));
        string head = c.Operand is null ? "CASE" : "CASE " + Expr(c.Operand);
        string oneLine = head + " " + string.Join(" ", parts) + " END";
        if (_single || (!oneLine.Contains('\n') && oneLine.Length <= InlineWidth)) return oneLine;
        return head + "\n" + Indented(string.Join("\n", parts)) + "\nEND";
    }

    private string ArrayBrackets(ArrayExpr a)
    {
        var elements = a.Elements.OrEmpty();
        // Inside ARRAY[...], sub-arrays may use bare brackets, but only if every element does.
        bool allNested = !elements.IsEmpty && elements.All(x => x is ArrayExpr);
        string list = allNested
            ? string.Join(", ", elements.Select(x => ArrayBrackets((ArrayExpr)x)))
            : string.Join(", ", elements.Select(x => Expr(x)));
        return "[" + list + "]";
    }

    private string FunctionCall(FuncCall f)
    {
        var sb = new StringBuilder(FunctionName(f.Name)).Append('(');
        if (f.Star)
        {
            sb.Append('*');
        }
        else
        {
            var args = f.Args.OrEmpty().Select(FuncArg).ToList();
            string orderBy = f.OrderBy.OrEmpty().IsEmpty ? "" : " ORDER BY " + string.Join(", ", f.OrderBy.Select(SortItem));
            string distinct = f.Distinct ? "DISTINCT " : "";
            string oneLine = distinct + string.Join(", ", args) + orderBy;
            if (_single || (!oneLine.Contains('\n') && oneLine.Length <= TargetLineWidth))
            {
                sb.Append(oneLine);
            }
            else
            {
                // Long argument lists get one argument per line; json[b]_build_object one key/value pair per line.
                var lines = args;
                if (f.Name.Name is "jsonb_build_object" or "json_build_object" && args.Count % 2 == 0)
                {
                    lines = Enumerable.Range(0, args.Count / 2).Select(i => args[2 * i] + ", " + args[2 * i + 1]).ToList();
                }
                sb.Append('\n').Append(Indented(distinct + string.Join(",\n", lines) + orderBy)).Append('\n');
            }
        }
        sb.Append(')');
        if (!f.WithinGroup.OrEmpty().IsEmpty) sb.Append(" WITHIN GROUP (ORDER BY ").Append(string.Join(", ", f.WithinGroup.Select(SortItem))).Append(')');
        if (f.Filter is not null) sb.Append(" FILTER (WHERE ").Append(Expr(f.Filter)).Append(')');
        if (f.Over is not null) sb.Append(" OVER ").Append(WindowSpec(f.Over));
        return sb.ToString();
    }

    private string FuncArg(FuncArg arg)
    {
        string value = Expr(arg.Value);
        if (arg.Name is not null) value = MinimalName(arg.Name.Value) + " => " + value;
        return arg.Variadic ? "VARIADIC " + value : value;
    }

    /// <summary>
    /// Function names are never force-quoted (special forms such as COALESCE cannot be). An unqualified name
    /// that is a column-name or reserved keyword is quoted, except the special forms that accept plain arguments.
    /// </summary>
    private static string FunctionName(QualifiedName name)
    {
        var parts = name.Parts.OrEmpty();
        if (parts.IsEmpty) throw new InvalidOperationException("A function call needs a name.");
        if (parts.Length == 1)
        {
            string single = parts[0].Value;
            if (BareKeywordFunctions.Contains(single)) return single;
            bool simple = SqlFormatter.IsSimpleName(single);
            var category = SqlKeywords.Category(single);
            bool ok = simple && category is KeywordCategory.None or KeywordCategory.Unreserved or KeywordCategory.TypeFuncName;
            return ok ? single : SqlFormatter.QuoteIdentifier(single, always: true);
        }
        var sb = new StringBuilder(MinimalName(parts[0].Value));
        foreach (var part in parts.Skip(1))
        {
            // After a dot any keyword is a valid label; quote only unusual characters.
            sb.Append('.').Append(SqlFormatter.IsSimpleName(part.Value) ? part.Value : SqlFormatter.QuoteIdentifier(part.Value, always: true));
        }
        return sb.ToString();
    }

    private static string ValueFunction(SqlValueFunction v)
    {
        string name = v.Kind switch
        {
            SqlValueKind.CurrentDate => "CURRENT_DATE",
            SqlValueKind.CurrentTime => "CURRENT_TIME",
            SqlValueKind.CurrentTimestamp => "CURRENT_TIMESTAMP",
            SqlValueKind.LocalTime => "LOCALTIME",
            SqlValueKind.LocalTimestamp => "LOCALTIMESTAMP",
            SqlValueKind.CurrentRole => "CURRENT_ROLE",
            SqlValueKind.CurrentUser => "CURRENT_USER",
            SqlValueKind.SessionUser => "SESSION_USER",
            SqlValueKind.User => "USER",
            SqlValueKind.CurrentCatalog => "CURRENT_CATALOG",
            _ => "CURRENT_SCHEMA",
        };
        bool takesPrecision = v.Kind is SqlValueKind.CurrentTime or SqlValueKind.CurrentTimestamp or SqlValueKind.LocalTime or SqlValueKind.LocalTimestamp;
        return takesPrecision && v.Precision is int p ? $"{name}({p.ToString(CultureInfo.InvariantCulture)})" : name;
    }

    private static string LiteralText(Literal l)
    {
        switch (l.Kind)
        {
            case LiteralKind.Null:
                return "NULL";
            case LiteralKind.Boolean:
                return string.Equals(l.Value, "true", StringComparison.OrdinalIgnoreCase) || l.Value == "t" ? "TRUE" : "FALSE";
            case LiteralKind.String:
                return SqlFormatter.QuoteLiteral(l.Value);
            case LiteralKind.BitString:
            {
                string v = l.Value;
                if (v.Length > 0 && v[0] is 'x' or 'X') return "X'" + v[1..] + "'";
                if (v.Length > 0 && v[0] is 'b' or 'B') return "B'" + v[1..] + "'";
                return "B'" + v + "'";
            }
            default:
                // A number as written; anything else (NaN, Infinity, code-built oddities) goes through a string.
                if (NumberPattern.IsMatch(l.Value)) return l.Value;
                return SqlFormatter.QuoteLiteral(l.Value) + "::numeric";
        }
    }

    private string TypedLiteral(TypedLiteral t)
    {
        string value = SqlFormatter.QuoteLiteral(t.Value);
        // Arrays cannot precede a string literal; use a cast with the same meaning.
        if (t.Type.IsArray) return value + "::" + Type(t.Type);
        if (IsInterval(t.Type)) return IntervalLiteral(t.Type, value);
        return Type(t.Type) + " " + value;
    }
}
