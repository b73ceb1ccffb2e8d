using System.Collections.Immutable;

namespace TViews.Sql;

internal sealed partial class Parser
{
    /// <summary>select_no_parens / select_with_parens: [WITH] body [ORDER BY] [LIMIT/OFFSET/FETCH] [FOR ...].</summary>
    private SelectStmt ParseSelectStmt()
    {
        Enter();
        try
        {
            int start = Start;
            WithClause? with = IsKw("with") ? ParseWithClause() : null;
            var body = ParseSetExpression(minPrecedence: 1);
            var clauses = ParseQueryTailClauses();

            var stmt = new SelectStmt(body)
            {
                With = with,
                OrderBy = clauses.OrderBy,
                Limit = clauses.Limit,
                Offset = clauses.Offset,
                Fetch = clauses.Fetch,
                Locking = clauses.Locking,
            };

            // PostgreSQL folds "(query) clauses" into one statement (insertSelectOptions), rejecting repeats.
            if (body is NestedQuery nested) stmt = Merge(nested.Query, stmt, clauses);
            return stmt with { Span = From(start) };
        }
        finally
        {
            Exit();
        }
    }

    private sealed record TailClauses(
        ImmutableArray<SortItem> OrderBy,
        Expr? Limit,
        bool HasLimit,
        int LimitAt,
        Expr? Offset,
        int OffsetAt,
        FetchClause? Fetch,
        ImmutableArray<LockingClause> Locking,
        int OrderAt);

    private SelectStmt Merge(SelectStmt inner, SelectStmt outer, TailClauses clauses)
    {
        if (outer.With is not null && inner.With is not null) throw ErrorAt(outer.Span.Start, "multiple WITH clauses not allowed");
        if (!outer.OrderBy.IsEmpty && !inner.OrderBy.IsEmpty) throw ErrorAt(clauses.OrderAt, "multiple ORDER BY clauses not allowed");
        bool innerHasLimit = inner.Limit is not null || inner.Fetch is not null;
        if (clauses.HasLimit && innerHasLimit) throw ErrorAt(clauses.LimitAt, "multiple LIMIT clauses not allowed");
        if (outer.Offset is not null && inner.Offset is not null) throw ErrorAt(clauses.OffsetAt, "multiple OFFSET clauses not allowed");
        return inner with
        {
            With = outer.With ?? inner.With,
            OrderBy = outer.OrderBy.IsEmpty ? inner.OrderBy : outer.OrderBy,
            Limit = clauses.HasLimit ? outer.Limit : inner.Limit,
            Fetch = clauses.HasLimit ? outer.Fetch : inner.Fetch,
            Offset = outer.Offset ?? inner.Offset,
            Locking = inner.Locking.AddRange(outer.Locking),
        };
    }

    /// <summary>Set operations by precedence: INTERSECT (2) binds tighter than UNION/EXCEPT (1); all left-associative.</summary>
    private QueryExpr ParseSetExpression(int minPrecedence)
    {
        int start = Start;
        var left = ParseSetOperand();
        while (true)
        {
            SetOperator op;
            int precedence;
            if (IsKw("union")) (op, precedence) = (SetOperator.Union, 1);
            else if (IsKw("except")) (op, precedence) = (SetOperator.Except, 1);
            else if (IsKw("intersect")) (op, precedence) = (SetOperator.Intersect, 2);
            else return left;
            if (precedence < minPrecedence) return left;
            Advance();
            bool all = AcceptKw("all");
            if (!all) AcceptKw("distinct");
            var right = ParseSetExpression(precedence + 1);
            left = new SetOperationQuery(op, all, left, right) { Span = From(start) };
        }
    }

    private QueryExpr ParseSetOperand()
    {
        if (IsKw("select")) return ParseSelectCore();
        if (IsKw("values")) return ParseValues();
        if (IsKw("table")) return ParseTableCommand();
        if (Cur.Kind == TokenKind.LeftParen)
        {
            Enter();
            try
            {
                int start = Start;
                Advance();
                if (!IsQueryStart(Cur)) throw Expected("a query (SELECT, VALUES, WITH, TABLE or \"(\")");
                var inner = ParseSelectStmt();
                Expect(TokenKind.RightParen);
                return inner.HasOuterClauses ? new NestedQuery(inner) { Span = From(start) } : inner.Body;
            }
            finally
            {
                Exit();
            }
        }
        throw Expected("SELECT, VALUES, TABLE or \"(\"");
    }

    private SelectCore ParseSelectCore()
    {
        int start = Start;
        ExpectKw("select");
        var distinct = DistinctKind.None;
        ImmutableArray<Expr> distinctOn = [];
        if (AcceptKw("all"))
        {
            distinct = DistinctKind.All;
        }
        else if (AcceptKw("distinct"))
        {
            distinct = DistinctKind.Distinct;
            if (AcceptKw("on"))
            {
                Expect(TokenKind.LeftParen);
                distinctOn = ParseExprList();
                Expect(TokenKind.RightParen);
            }
        }

        // An empty select list is allowed, but not after DISTINCT (as in PostgreSQL's grammar).
        if (distinct == DistinctKind.Distinct && IsTargetListEnd()) throw Expected("a select list");
        ImmutableArray<ResultTarget> targets = IsTargetListEnd() ? [] : ParseTargetList();
        if (IsKw("into")) throw ErrorAt(Start, "SELECT INTO is not supported; use CREATE TABLE ... AS");

        ImmutableArray<FromItem> from = [];
        if (AcceptKw("from")) from = ParseFromList();

        Expr? where = AcceptKw("where") ? ParseExpr() : null;

        ImmutableArray<Expr> groupBy = [];
        bool groupByDistinct = false;
        if (AcceptKw("group"))
        {
            ExpectKw("by");
            if (AcceptKw("distinct")) groupByDistinct = true;
            else AcceptKw("all");
            var items = ImmutableArray.CreateBuilder<Expr>();
            do items.Add(ParseGroupingItem());
            while (Accept(TokenKind.Comma));
            groupBy = items.ToImmutable();
        }

        Expr? having = AcceptKw("having") ? ParseExpr() : null;

        ImmutableArray<WindowDef> windows = [];
        if (AcceptKw("window"))
        {
            var defs = ImmutableArray.CreateBuilder<WindowDef>();
            do
            {
                int defStart = Start;
                var name = ParseColId("a window name");
                ExpectKw("as");
                var spec = ParseWindowSpecification();
                defs.Add(new WindowDef(name, spec) { Span = From(defStart) });
            }
            while (Accept(TokenKind.Comma));
            windows = defs.ToImmutable();
        }

        return new SelectCore(targets)
        {
            Distinct = distinct,
            DistinctOn = distinctOn,
            From = from,
            Where = where,
            GroupBy = groupBy,
            GroupByDistinct = groupByDistinct,
            Having = having,
            Windows = windows,
            Span = From(start),
        };
    }

    private bool IsTargetListEnd()
    {
        var t = Cur;
        if (t.Kind is TokenKind.EndOfInput or TokenKind.Semicolon or TokenKind.RightParen) return true;
        if (t.Kind != TokenKind.Identifier || t.Quoted) return false;
        return t.Value is "from" or "where" or "group" or "having" or "window" or "order" or "limit" or "offset"
            or "fetch" or "for" or "union" or "intersect" or "except" or "into";
    }

    private ImmutableArray<ResultTarget> ParseTargetList()
    {
        var targets = ImmutableArray.CreateBuilder<ResultTarget>();
        do targets.Add(ParseTarget());
        while (Accept(TokenKind.Comma));
        return targets.ToImmutable();
    }

    private ResultTarget ParseTarget()
    {
        int start = Start;
        if (Cur.IsOperator("*"))
        {
            var star = Advance();
            return new ResultTarget(new StarExpr { Span = star.Span }) { Span = star.Span };
        }
        var value = ParseExpr();
        Identifier? alias = null;
        if (AcceptKw("as")) alias = ParseColLabel("an alias after AS");
        else if (IsBareColLabel(Cur)) alias = ToIdentifier(Advance());
        return new ResultTarget(value, alias) { Span = From(start) };
    }

    private ValuesQuery ParseValues()
    {
        int start = Start;
        ExpectKw("values");
        var rows = ImmutableArray.CreateBuilder<ImmutableArray<Expr>>();
        do
        {
            Expect(TokenKind.LeftParen);
            if (IsKw("default")) throw ErrorAt(Start, "DEFAULT is not allowed in this context");
            rows.Add(ParseExprList());
            Expect(TokenKind.RightParen);
        }
        while (Accept(TokenKind.Comma));
        return new ValuesQuery(rows.ToImmutable()) { Span = From(start) };
    }

    /// <summary><c>TABLE name</c> means <c>SELECT * FROM name</c>.</summary>
    private SelectCore ParseTableCommand()
    {
        int start = Start;
        ExpectKw("table");
        var table = ParseRelationReference(Start);
        var span = From(start);
        return new SelectCore([new ResultTarget(new StarExpr { Span = span }) { Span = span }]) { From = [table], Span = span };
    }

    private WithClause ParseWithClause()
    {
        int start = Start;
        ExpectKw("with");
        bool recursive = AcceptKw("recursive");
        var ctes = ImmutableArray.CreateBuilder<CommonTableExpr>();
        do ctes.Add(ParseCommonTableExpr());
        while (Accept(TokenKind.Comma));
        return new WithClause(recursive, ctes.ToImmutable()) { Span = From(start) };
    }

    private CommonTableExpr ParseCommonTableExpr()
    {
        int start = Start;
        var name = ParseColId("a WITH query name");
        var columns = Cur.Kind == TokenKind.LeftParen ? ParseParenthesisedNameList() : [];
        ExpectKw("as");
        var materialization = CteMaterialization.Default;
        if (AcceptKw("materialized"))
        {
            materialization = CteMaterialization.Materialized;
        }
        else if (IsKw("not") && Peek(1).Is("materialized"))
        {
            Advance();
            Advance();
            materialization = CteMaterialization.NotMaterialized;
        }
        Expect(TokenKind.LeftParen);
        if (IsKw("insert") || IsKw("update") || IsKw("delete") || IsKw("merge"))
        {
            throw ErrorAt(Start, "data-modifying statements in WITH are not supported");
        }
        if (!IsQueryStart(Cur)) throw Expected("a query");
        var query = ParseSelectStmt();
        Expect(TokenKind.RightParen);
        if (IsKw("search") || IsKw("cycle")) throw ErrorAt(Start, "SEARCH and CYCLE clauses are not supported");
        return new CommonTableExpr(name, query) { Columns = columns, Materialization = materialization, Span = From(start) };
    }

    private TailClauses ParseQueryTailClauses()
    {
        ImmutableArray<SortItem> orderBy = [];
        int orderAt = Start;
        if (IsKw("order"))
        {
            orderAt = Start;
            Advance();
            ExpectKw("by");
            orderBy = ParseSortList();
        }

        Expr? limit = null, offset = null;
        FetchClause? fetch = null;
        bool hasLimit = false, hasOffset = false;
        int limitAt = 0, offsetAt = 0;
        var locking = ImmutableArray.CreateBuilder<LockingClause>();
        while (true)
        {
            if (IsKw("limit"))
            {
                if (hasLimit) throw ErrorAt(Start, "multiple LIMIT clauses not allowed");
                limitAt = Start;
                Advance();
                hasLimit = true;
                if (!AcceptKw("all")) limit = ParseExpr();
                if (Cur.Kind == TokenKind.Comma) throw ErrorAt(Start, "LIMIT #,# syntax is not supported; use separate LIMIT and OFFSET clauses");
            }
            else if (IsKw("offset"))
            {
                if (hasOffset) throw ErrorAt(Start, "multiple OFFSET clauses not allowed");
                offsetAt = Start;
                Advance();
                hasOffset = true;
                offset = ParseExpr();
                if (!AcceptKw("rows")) AcceptKw("row");
            }
            else if (IsKw("fetch"))
            {
                if (hasLimit) throw ErrorAt(Start, "multiple LIMIT clauses not allowed");
                limitAt = Start;
                hasLimit = true;
                fetch = ParseFetchClause();
            }
            else if (IsKw("for"))
            {
                var clause = ParseLockingClause();
                if (clause is not null) locking.Add(clause);
            }
            else
            {
                break;
            }
        }
        return new TailClauses(orderBy, limit, hasLimit, limitAt, offset, offsetAt, fetch, locking.ToImmutable(), orderAt);
    }

    private FetchClause ParseFetchClause()
    {
        int start = Start;
        ExpectKw("fetch");
        if (!AcceptKw("first") && !AcceptKw("next")) throw Expected("FIRST or NEXT");
        Expr? count = null;
        if (!IsKw("row") && !IsKw("rows"))
        {
            // select_fetch_first_value: a simple value, or a signed numeric constant.
            if ((Cur.IsOperator("+") || Cur.IsOperator("-")) && Peek(1).Kind is TokenKind.Integer or TokenKind.Numeric)
            {
                int signStart = Start;
                string sign = Advance().Value;
                var number = ParsePrimary();
                count = new UnaryExpr(sign, number) { Span = From(signStart) };
            }
            else
            {
                count = ParsePrimary();
            }
        }
        if (!AcceptKw("row") && !AcceptKw("rows")) throw Expected("ROW or ROWS");
        bool withTies;
        if (AcceptKw("only"))
        {
            withTies = false;
        }
        else if (AcceptKw("with"))
        {
            ExpectKw("ties");
            withTies = true;
        }
        else
        {
            throw Expected("ONLY or WITH TIES");
        }
        return new FetchClause(count, withTies) { Span = From(start) };
    }

    private LockingClause? ParseLockingClause()
    {
        int start = Start;
        ExpectKw("for");
        if (AcceptKw("read"))
        {
            ExpectKw("only");
            return null;
        }
        LockStrength strength;
        if (AcceptKw("update"))
        {
            strength = LockStrength.Update;
        }
        else if (AcceptKw("share"))
        {
            strength = LockStrength.Share;
        }
        else if (AcceptKw("no"))
        {
            ExpectKw("key");
            ExpectKw("update");
            strength = LockStrength.NoKeyUpdate;
        }
        else if (AcceptKw("key"))
        {
            ExpectKw("share");
            strength = LockStrength.KeyShare;
        }
        else
        {
            throw Expected("UPDATE, NO KEY UPDATE, SHARE or KEY SHARE");
        }
        ImmutableArray<QualifiedName> of = [];
        if (AcceptKw("of"))
        {
            var names = ImmutableArray.CreateBuilder<QualifiedName>();
            do names.Add(ParseQualifiedName("a table name"));
            while (Accept(TokenKind.Comma));
            of = names.ToImmutable();
        }
        var wait = LockWaitPolicy.Block;
        if (AcceptKw("nowait"))
        {
            wait = LockWaitPolicy.NoWait;
        }
        else if (AcceptKw("skip"))
        {
            ExpectKw("locked");
            wait = LockWaitPolicy.SkipLocked;
        }
        return new LockingClause(strength) { Of = of, Wait = wait, Span = From(start) };
    }

    private ImmutableArray<SortItem> ParseSortList()
    {
        var items = ImmutableArray.CreateBuilder<SortItem>();
        do items.Add(ParseSortItem());
        while (Accept(TokenKind.Comma));
        return items.ToImmutable();
    }

    private SortItem ParseSortItem()
    {
        int start = Start;
        var value = ParseExpr();
        var direction = SortDirection.Default;
        string? usingOp = null, usingSchema = null;
        if (AcceptKw("asc"))
        {
            direction = SortDirection.Asc;
        }
        else if (AcceptKw("desc"))
        {
            direction = SortDirection.Desc;
        }
        else if (AcceptKw("using"))
        {
            if (Cur.Kind == TokenKind.Operator) usingOp = Advance().Value;
            else if (IsKw("operator") && Peek(1).Kind == TokenKind.LeftParen) (usingOp, usingSchema) = ParseOperatorConstruct();
            else throw Expected("an operator after USING");
        }
        var nulls = NullsOrder.Default;
        if (AcceptKw("nulls"))
        {
            if (AcceptKw("first")) nulls = NullsOrder.First;
            else if (AcceptKw("last")) nulls = NullsOrder.Last;
            else throw Expected("FIRST or LAST");
        }
        return new SortItem(value)
        {
            Direction = direction,
            UsingOperator = usingOp,
            UsingOperatorSchema = usingSchema,
            Nulls = nulls,
            Span = From(start),
        };
    }

    /// <summary>group_by_item: expression, <c>()</c>, ROLLUP (...), CUBE (...), GROUPING SETS (...).</summary>
    private Expr ParseGroupingItem()
    {
        int start = Start;
        if (Cur.Kind == TokenKind.LeftParen && Peek(1).Kind == TokenKind.RightParen)
        {
            Advance();
            Advance();
            return new GroupingSet(GroupingSetKind.Empty, []) { Span = From(start) };
        }
        if ((IsKw("rollup") || IsKw("cube")) && Peek(1).Kind == TokenKind.LeftParen)
        {
            var kind = IsKw("rollup") ? GroupingSetKind.Rollup : GroupingSetKind.Cube;
            Advance();
            Expect(TokenKind.LeftParen);
            var items = ParseExprList();
            Expect(TokenKind.RightParen);
            return new GroupingSet(kind, items) { Span = From(start) };
        }
        if (IsKw("grouping") && Peek(1).Is("sets"))
        {
            Enter();
            try
            {
                Advance();
                Advance();
                Expect(TokenKind.LeftParen);
                var items = ImmutableArray.CreateBuilder<Expr>();
                do items.Add(ParseGroupingItem());
                while (Accept(TokenKind.Comma));
                Expect(TokenKind.RightParen);
                return new GroupingSet(GroupingSetKind.Sets, items.ToImmutable()) { Span = From(start) };
            }
            finally
            {
                Exit();
            }
        }
        return ParseExpr();
    }

    /// <summary>window_specification: <c>([existing] [PARTITION BY ...] [ORDER BY ...] [frame])</c>.</summary>
    private WindowSpec ParseWindowSpecification()
    {
        int start = Start;
        Expect(TokenKind.LeftParen);
        Identifier? existing = null;
        if (IsColId(Cur) && !(Cur.Is("partition") || Cur.Is("range") || Cur.Is("rows") || Cur.Is("groups")))
        {
            existing = ToIdentifier(Advance());
        }
        ImmutableArray<Expr> partitionBy = [];
        if (IsKw("partition") && Peek(1).Is("by"))
        {
            Advance();
            Advance();
            partitionBy = ParseExprList();
        }
        ImmutableArray<SortItem> orderBy = [];
        if (IsKw("order") && Peek(1).Is("by"))
        {
            Advance();
            Advance();
            orderBy = ParseSortList();
        }
        FrameClause? frame = null;
        if (IsKw("range") || IsKw("rows") || IsKw("groups")) frame = ParseFrameClause();
        Expect(TokenKind.RightParen);
        return new WindowSpec { ExistingName = existing, PartitionBy = partitionBy, OrderBy = orderBy, Frame = frame, Span = From(start) };
    }

    private FrameClause ParseFrameClause()
    {
        int start = Start;
        var mode = Advance().Value switch
        {
            "range" => FrameMode.Range,
            "rows" => FrameMode.Rows,
            _ => FrameMode.Groups,
        };
        FrameBound first;
        FrameBound? second = null;
        if (AcceptKw("between"))
        {
            first = ParseFrameBound();
            ExpectKw("and");
            second = ParseFrameBound();
        }
        else
        {
            first = ParseFrameBound();
        }

        // The same checks PostgreSQL's grammar makes.
        if (first.Kind == FrameBoundKind.UnboundedFollowing) throw ErrorAt(first.Span.Start, "frame start cannot be UNBOUNDED FOLLOWING");
        if (second is not null)
        {
            if (second.Kind == FrameBoundKind.UnboundedPreceding) throw ErrorAt(second.Span.Start, "frame end cannot be UNBOUNDED PRECEDING");
            if (first.Kind == FrameBoundKind.CurrentRow && second.Kind == FrameBoundKind.Preceding)
            {
                throw ErrorAt(second.Span.Start, "frame starting from current row cannot have preceding rows");
            }
            if (first.Kind == FrameBoundKind.Following && second.Kind is FrameBoundKind.Preceding or FrameBoundKind.CurrentRow)
            {
                throw ErrorAt(second.Span.Start, "frame starting from following row cannot have preceding rows");
            }
        }
        else if (first.Kind == FrameBoundKind.Following)
        {
            throw ErrorAt(first.Span.Start, "frame starting from following row cannot end with current row");
        }

        var exclusion = FrameExclusion.None;
        if (AcceptKw("exclude"))
        {
            if (AcceptKw("current"))
            {
                ExpectKw("row");
                exclusion = FrameExclusion.CurrentRow;
            }
            else if (AcceptKw("group"))
            {
                exclusion = FrameExclusion.Group;
            }
            else if (AcceptKw("ties"))
            {
                exclusion = FrameExclusion.Ties;
            }
            else if (AcceptKw("no"))
            {
                ExpectKw("others");
                exclusion = FrameExclusion.NoOthers;
            }
            else
            {
                throw Expected("CURRENT ROW, GROUP, TIES or NO OTHERS");
            }
        }
        return new FrameClause(mode, first, second) { Exclusion = exclusion, Span = From(start) };
    }

    private FrameBound ParseFrameBound()
    {
        int start = Start;
        if (IsKw("unbounded") && (Peek(1).Is("preceding") || Peek(1).Is("following")))
        {
            Advance();
            var kind = Advance().Value == "preceding" ? FrameBoundKind.UnboundedPreceding : FrameBoundKind.UnboundedFollowing;
            return new FrameBound(kind) { Span = From(start) };
        }
        if (IsKw("current") && Peek(1).Is("row"))
        {
            Advance();
            Advance();
            return new FrameBound(FrameBoundKind.CurrentRow) { Span = From(start) };
        }
        var offset = ParseExpr(Precedence.And + 1);
        if (AcceptKw("preceding")) return new FrameBound(FrameBoundKind.Preceding, offset) { Span = From(start) };
        if (AcceptKw("following")) return new FrameBound(FrameBoundKind.Following, offset) { Span = From(start) };
        throw Expected("PRECEDING or FOLLOWING");
    }
}
