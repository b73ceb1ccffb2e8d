using System.Collections.Immutable;
using System.Runtime.CompilerServices;

// One method per node type: keep in sync with the node records in Syntax/*.cs.

namespace TViews.Sql;

/// <summary>
/// Bottom-up tree rewriting. Every <c>VisitXxx</c> first rewrites the node's children and returns the node
/// rebuilt with them (the same instance when nothing changed, so <see cref="object.ReferenceEquals"/> detects
/// "no change"). Override a method to replace nodes, e.g. return another <see cref="Expr"/> for a
/// <see cref="ColumnRef"/>, or another <see cref="FromItem"/> for a <see cref="TableRef"/>; call the base method
/// first if the replacement should be based on already-rewritten children.
/// </summary>
/// <remarks>A replacement must fit where the node sits (an Expr for an Expr, a FromItem for a FromItem, ...);
/// otherwise <see cref="InvalidOperationException"/> is thrown.</remarks>
internal abstract class SqlRewriter
{
    private int _depth;

    /// <summary>Dispatches to the <c>VisitXxx</c> method of the node's type.</summary>
    public virtual SqlNode Visit(SqlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (++_depth > 2000) RuntimeHelpers.EnsureSufficientExecutionStack();
        try
        {
            return node switch
            {
                Identifier n => VisitIdentifier(n),
                QualifiedName n => VisitQualifiedName(n),
                Alias n => VisitAlias(n),
                ColumnDef n => VisitColumnDef(n),
                TypeName n => VisitTypeName(n),
                SelectStmt n => VisitSelectStmt(n),
                SelectCore n => VisitSelectCore(n),
                SetOperationQuery n => VisitSetOperationQuery(n),
                ValuesQuery n => VisitValuesQuery(n),
                NestedQuery n => VisitNestedQuery(n),
                ResultTarget n => VisitResultTarget(n),
                WithClause n => VisitWithClause(n),
                CommonTableExpr n => VisitCommonTableExpr(n),
                SortItem n => VisitSortItem(n),
                FetchClause n => VisitFetchClause(n),
                LockingClause n => VisitLockingClause(n),
                WindowDef n => VisitWindowDef(n),
                WindowSpec n => VisitWindowSpec(n),
                FrameClause n => VisitFrameClause(n),
                FrameBound n => VisitFrameBound(n),
                TableRef n => VisitTableRef(n),
                SubqueryRef n => VisitSubqueryRef(n),
                FunctionRef n => VisitFunctionRef(n),
                RangeFunction n => VisitRangeFunction(n),
                JoinExpr n => VisitJoinExpr(n),
                ColumnRef n => VisitColumnRef(n),
                StarExpr n => VisitStarExpr(n),
                Literal n => VisitLiteral(n),
                TypedLiteral n => VisitTypedLiteral(n),
                ParamRef n => VisitParamRef(n),
                BinaryExpr n => VisitBinaryExpr(n),
                UnaryExpr n => VisitUnaryExpr(n),
                BoolExpr n => VisitBoolExpr(n),
                NotExpr n => VisitNotExpr(n),
                IsExpr n => VisitIsExpr(n),
                IsDistinctFromExpr n => VisitIsDistinctFromExpr(n),
                InListExpr n => VisitInListExpr(n),
                InSubqueryExpr n => VisitInSubqueryExpr(n),
                QuantifiedExpr n => VisitQuantifiedExpr(n),
                BetweenExpr n => VisitBetweenExpr(n),
                LikeExpr n => VisitLikeExpr(n),
                CaseExpr n => VisitCaseExpr(n),
                CaseWhen n => VisitCaseWhen(n),
                CastExpr n => VisitCastExpr(n),
                FuncArg n => VisitFuncArg(n),
                FuncCall n => VisitFuncCall(n),
                SubqueryExpr n => VisitSubqueryExpr(n),
                ArrayExpr n => VisitArrayExpr(n),
                RowExpr n => VisitRowExpr(n),
                SubscriptExpr n => VisitSubscriptExpr(n),
                FieldSelectExpr n => VisitFieldSelectExpr(n),
                CollateExpr n => VisitCollateExpr(n),
                AtTimeZoneExpr n => VisitAtTimeZoneExpr(n),
                ExtractExpr n => VisitExtractExpr(n),
                SubstringExpr n => VisitSubstringExpr(n),
                PositionExpr n => VisitPositionExpr(n),
                TrimExpr n => VisitTrimExpr(n),
                OverlayExpr n => VisitOverlayExpr(n),
                SqlValueFunction n => VisitSqlValueFunction(n),
                GroupingSet n => VisitGroupingSet(n),
                QueryStatement n => VisitQueryStatement(n),
                CreateTableAsStatement n => VisitCreateTableAsStatement(n),
                CreateViewStatement n => VisitCreateViewStatement(n),
                _ => node,
            };
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>Rewrites a node that must stay of type <typeparamref name="T"/>.</summary>
    public T Rewrite<T>(T node) where T : SqlNode
    {
        var result = Visit(node);
        return result as T ?? throw new InvalidOperationException(
            $"{GetType().Name} replaced a {node.GetType().Name} by a {result.GetType().Name}, which cannot stand where a {typeof(T).Name} is required.");
    }

    protected T? RewriteOptional<T>(T? node) where T : SqlNode => node is null ? null : Rewrite(node);

    /// <summary>Rewrites each element; returns the same array when no element changed.</summary>
    protected ImmutableArray<T> RewriteList<T>(ImmutableArray<T> nodes) where T : SqlNode
    {
        if (nodes.IsDefault) return nodes;
        ImmutableArray<T>.Builder? builder = null;
        for (int i = 0; i < nodes.Length; i++)
        {
            var rewritten = Rewrite(nodes[i]);
            if (builder is null && !ReferenceEquals(rewritten, nodes[i]))
            {
                builder = ImmutableArray.CreateBuilder<T>(nodes.Length);
                for (int j = 0; j < i; j++) builder.Add(nodes[j]);
            }
            builder?.Add(rewritten);
        }
        return builder is null ? nodes : builder.MoveToImmutable();
    }

    private ImmutableArray<ImmutableArray<Expr>> RewriteRows(ImmutableArray<ImmutableArray<Expr>> rows)
    {
        if (rows.IsDefault) return rows;
        bool changed = false;
        var result = ImmutableArray.CreateBuilder<ImmutableArray<Expr>>(rows.Length);
        foreach (var row in rows)
        {
            var rewritten = RewriteList(row);
            changed |= rewritten != row;
            result.Add(rewritten);
        }
        return changed ? result.MoveToImmutable() : rows;
    }

    public virtual Identifier VisitIdentifier(Identifier node)
        => node;

    public virtual QualifiedName VisitQualifiedName(QualifiedName node)
    {
        var parts = RewriteList(node.Parts);
        return parts == node.Parts
            ? node
            : node with { Parts = parts };
    }

    public virtual Alias VisitAlias(Alias node)
    {
        var name = Rewrite(node.Name);
        var columns = RewriteList(node.Columns);
        return ReferenceEquals(name, node.Name) && columns == node.Columns
            ? node
            : node with { Name = name, Columns = columns };
    }

    public virtual ColumnDef VisitColumnDef(ColumnDef node)
    {
        var name = Rewrite(node.Name);
        var type = Rewrite(node.Type);
        var collation = RewriteOptional(node.Collation);
        return ReferenceEquals(name, node.Name) && ReferenceEquals(type, node.Type) && ReferenceEquals(collation, node.Collation)
            ? node
            : node with { Name = name, Type = type, Collation = collation };
    }

    public virtual TypeName VisitTypeName(TypeName node)
    {
        var name = Rewrite(node.Name);
        var modifiers = RewriteList(node.Modifiers);
        return ReferenceEquals(name, node.Name) && modifiers == node.Modifiers
            ? node
            : node with { Name = name, Modifiers = modifiers };
    }

    public virtual SelectStmt VisitSelectStmt(SelectStmt node)
    {
        var with = RewriteOptional(node.With);
        var body = Rewrite(node.Body);
        var orderBy = RewriteList(node.OrderBy);
        var limit = RewriteOptional(node.Limit);
        var offset = RewriteOptional(node.Offset);
        var fetch = RewriteOptional(node.Fetch);
        var locking = RewriteList(node.Locking);
        return ReferenceEquals(with, node.With) && ReferenceEquals(body, node.Body) && orderBy == node.OrderBy && ReferenceEquals(limit, node.Limit) && ReferenceEquals(offset, node.Offset) && ReferenceEquals(fetch, node.Fetch) && locking == node.Locking
            ? node
            : node with { With = with, Body = body, OrderBy = orderBy, Limit = limit, Offset = offset, Fetch = fetch, Locking = locking };
    }

    public virtual QueryExpr VisitSelectCore(SelectCore node)
    {
        var distinctOn = RewriteList(node.DistinctOn);
        var targets = RewriteList(node.Targets);
        var @from = RewriteList(node.From);
        var where = RewriteOptional(node.Where);
        var groupBy = RewriteList(node.GroupBy);
        var having = RewriteOptional(node.Having);
        var windows = RewriteList(node.Windows);
        return distinctOn == node.DistinctOn && targets == node.Targets && @from == node.From && ReferenceEquals(where, node.Where) && groupBy == node.GroupBy && ReferenceEquals(having, node.Having) && windows == node.Windows
            ? node
            : node with { DistinctOn = distinctOn, Targets = targets, From = @from, Where = where, GroupBy = groupBy, Having = having, Windows = windows };
    }

    public virtual QueryExpr VisitSetOperationQuery(SetOperationQuery node)
    {
        var left = Rewrite(node.Left);
        var right = Rewrite(node.Right);
        return ReferenceEquals(left, node.Left) && ReferenceEquals(right, node.Right)
            ? node
            : node with { Left = left, Right = right };
    }

    public virtual QueryExpr VisitValuesQuery(ValuesQuery node)
    {
        var rows = RewriteRows(node.Rows);
        return rows == node.Rows
            ? node
            : node with { Rows = rows };
    }

    public virtual QueryExpr VisitNestedQuery(NestedQuery node)
    {
        var query = Rewrite(node.Query);
        return ReferenceEquals(query, node.Query)
            ? node
            : node with { Query = query };
    }

    public virtual ResultTarget VisitResultTarget(ResultTarget node)
    {
        var value = Rewrite(node.Value);
        var alias = RewriteOptional(node.Alias);
        return ReferenceEquals(value, node.Value) && ReferenceEquals(alias, node.Alias)
            ? node
            : node with { Value = value, Alias = alias };
    }

    public virtual WithClause VisitWithClause(WithClause node)
    {
        var ctes = RewriteList(node.Ctes);
        return ctes == node.Ctes
            ? node
            : node with { Ctes = ctes };
    }

    public virtual CommonTableExpr VisitCommonTableExpr(CommonTableExpr node)
    {
        var name = Rewrite(node.Name);
        var columns = RewriteList(node.Columns);
        var query = Rewrite(node.Query);
        return ReferenceEquals(name, node.Name) && columns == node.Columns && ReferenceEquals(query, node.Query)
            ? node
            : node with { Name = name, Columns = columns, Query = query };
    }

    public virtual SortItem VisitSortItem(SortItem node)
    {
        var value = Rewrite(node.Value);
        return ReferenceEquals(value, node.Value)
            ? node
            : node with { Value = value };
    }

    public virtual FetchClause VisitFetchClause(FetchClause node)
    {
        var count = RewriteOptional(node.Count);
        return ReferenceEquals(count, node.Count)
            ? node
            : node with { Count = count };
    }

    public virtual LockingClause VisitLockingClause(LockingClause node)
    {
        var of = RewriteList(node.Of);
        return of == node.Of
            ? node
            : node with { Of = of };
    }

    public virtual WindowDef VisitWindowDef(WindowDef node)
    {
        var name = Rewrite(node.Name);
        var spec = Rewrite(node.Spec);
        return ReferenceEquals(name, node.Name) && ReferenceEquals(spec, node.Spec)
            ? node
            : node with { Name = name, Spec = spec };
    }

    public virtual WindowSpec VisitWindowSpec(WindowSpec node)
    {
        var existingName = RewriteOptional(node.ExistingName);
        var partitionBy = RewriteList(node.PartitionBy);
        var orderBy = RewriteList(node.OrderBy);
        var frame = RewriteOptional(node.Frame);
        return ReferenceEquals(existingName, node.ExistingName) && partitionBy == node.PartitionBy && orderBy == node.OrderBy && ReferenceEquals(frame, node.Frame)
            ? node
            : node with { ExistingName = existingName, PartitionBy = partitionBy, OrderBy = orderBy, Frame = frame };
    }

    public virtual FrameClause VisitFrameClause(FrameClause node)
    {
        var start = Rewrite(node.Start);
        var end = RewriteOptional(node.End);
        return ReferenceEquals(start, node.Start) && ReferenceEquals(end, node.End)
            ? node
            : node with { Start = start, End = end };
    }

    public virtual FrameBound VisitFrameBound(FrameBound node)
    {
        var offset = RewriteOptional(node.Offset);
        return ReferenceEquals(offset, node.Offset)
            ? node
            : node with { Offset = offset };
    }

    public virtual FromItem VisitTableRef(TableRef node)
    {
        var name = Rewrite(node.Name);
        var alias = RewriteOptional(node.Alias);
        return ReferenceEquals(name, node.Name) && ReferenceEquals(alias, node.Alias)
            ? node
            : node with { Name = name, Alias = alias };
    }

    public virtual FromItem VisitSubqueryRef(SubqueryRef node)
    {
        var query = Rewrite(node.Query);
        var alias = RewriteOptional(node.Alias);
        return ReferenceEquals(query, node.Query) && ReferenceEquals(alias, node.Alias)
            ? node
            : node with { Query = query, Alias = alias };
    }

    public virtual FromItem VisitFunctionRef(FunctionRef node)
    {
        var functions = RewriteList(node.Functions);
        var alias = RewriteOptional(node.Alias);
        var columnDefinitions = RewriteList(node.ColumnDefinitions);
        return functions == node.Functions && ReferenceEquals(alias, node.Alias) && columnDefinitions == node.ColumnDefinitions
            ? node
            : node with { Functions = functions, Alias = alias, ColumnDefinitions = columnDefinitions };
    }

    public virtual RangeFunction VisitRangeFunction(RangeFunction node)
    {
        var call = Rewrite(node.Call);
        var columnDefinitions = RewriteList(node.ColumnDefinitions);
        return ReferenceEquals(call, node.Call) && columnDefinitions == node.ColumnDefinitions
            ? node
            : node with { Call = call, ColumnDefinitions = columnDefinitions };
    }

    public virtual FromItem VisitJoinExpr(JoinExpr node)
    {
        var left = Rewrite(node.Left);
        var right = Rewrite(node.Right);
        var on = RewriteOptional(node.On);
        var @using = RewriteList(node.Using);
        var alias = RewriteOptional(node.Alias);
        return ReferenceEquals(left, node.Left) && ReferenceEquals(right, node.Right) && ReferenceEquals(on, node.On) && @using == node.Using && ReferenceEquals(alias, node.Alias)
            ? node
            : node with { Left = left, Right = right, On = on, Using = @using, Alias = alias };
    }

    public virtual Expr VisitColumnRef(ColumnRef node)
    {
        var parts = RewriteList(node.Parts);
        return parts == node.Parts
            ? node
            : node with { Parts = parts };
    }

    public virtual Expr VisitStarExpr(StarExpr node)
    {
        var qualifier = RewriteOptional(node.Qualifier);
        return ReferenceEquals(qualifier, node.Qualifier)
            ? node
            : node with { Qualifier = qualifier };
    }

    public virtual Expr VisitLiteral(Literal node)
        => node;

    public virtual Expr VisitTypedLiteral(TypedLiteral node)
    {
        var type = Rewrite(node.Type);
        return ReferenceEquals(type, node.Type)
            ? node
            : node with { Type = type };
    }

    public virtual Expr VisitParamRef(ParamRef node)
        => node;

    public virtual Expr VisitBinaryExpr(BinaryExpr node)
    {
        var left = Rewrite(node.Left);
        var right = Rewrite(node.Right);
        return ReferenceEquals(left, node.Left) && ReferenceEquals(right, node.Right)
            ? node
            : node with { Left = left, Right = right };
    }

    public virtual Expr VisitUnaryExpr(UnaryExpr node)
    {
        var operand = Rewrite(node.Operand);
        return ReferenceEquals(operand, node.Operand)
            ? node
            : node with { Operand = operand };
    }

    public virtual Expr VisitBoolExpr(BoolExpr node)
    {
        var operands = RewriteList(node.Operands);
        return operands == node.Operands
            ? node
            : node with { Operands = operands };
    }

    public virtual Expr VisitNotExpr(NotExpr node)
    {
        var operand = Rewrite(node.Operand);
        return ReferenceEquals(operand, node.Operand)
            ? node
            : node with { Operand = operand };
    }

    public virtual Expr VisitIsExpr(IsExpr node)
    {
        var operand = Rewrite(node.Operand);
        return ReferenceEquals(operand, node.Operand)
            ? node
            : node with { Operand = operand };
    }

    public virtual Expr VisitIsDistinctFromExpr(IsDistinctFromExpr node)
    {
        var left = Rewrite(node.Left);
        var right = Rewrite(node.Right);
        return ReferenceEquals(left, node.Left) && ReferenceEquals(right, node.Right)
            ? node
            : node with { Left = left, Right = right };
    }

    public virtual Expr VisitInListExpr(InListExpr node)
    {
        var operand = Rewrite(node.Operand);
        var items = RewriteList(node.Items);
        return ReferenceEquals(operand, node.Operand) && items == node.Items
            ? node
            : node with { Operand = operand, Items = items };
    }

    public virtual Expr VisitInSubqueryExpr(InSubqueryExpr node)
    {
        var operand = Rewrite(node.Operand);
        var query = Rewrite(node.Query);
        return ReferenceEquals(operand, node.Operand) && ReferenceEquals(query, node.Query)
            ? node
            : node with { Operand = operand, Query = query };
    }

    public virtual Expr VisitQuantifiedExpr(QuantifiedExpr node)
    {
        var left = Rewrite(node.Left);
        var query = RewriteOptional(node.Query);
        var array = RewriteOptional(node.Array);
        return ReferenceEquals(left, node.Left) && ReferenceEquals(query, node.Query) && ReferenceEquals(array, node.Array)
            ? node
            : node with { Left = left, Query = query, Array = array };
    }

    public virtual Expr VisitBetweenExpr(BetweenExpr node)
    {
        var operand = Rewrite(node.Operand);
        var low = Rewrite(node.Low);
        var high = Rewrite(node.High);
        return ReferenceEquals(operand, node.Operand) && ReferenceEquals(low, node.Low) && ReferenceEquals(high, node.High)
            ? node
            : node with { Operand = operand, Low = low, High = high };
    }

    public virtual Expr VisitLikeExpr(LikeExpr node)
    {
        var operand = Rewrite(node.Operand);
        var pattern = Rewrite(node.Pattern);
        var escape = RewriteOptional(node.Escape);
        return ReferenceEquals(operand, node.Operand) && ReferenceEquals(pattern, node.Pattern) && ReferenceEquals(escape, node.Escape)
            ? node
            : node with { Operand = operand, Pattern = pattern, Escape = escape };
    }

    public virtual Expr VisitCaseExpr(CaseExpr node)
    {
        var operand = RewriteOptional(node.Operand);
        var whens = RewriteList(node.Whens);
        var @else = RewriteOptional(node.Else);
        return ReferenceEquals(operand, node.Operand) && whens == node.Whens && ReferenceEquals(@else, node.Else)
            ? node
            : node with { Operand = operand, Whens = whens, Else = @else };
    }

    public virtual CaseWhen VisitCaseWhen(CaseWhen node)
    {
        var condition = Rewrite(node.Condition);
        var result = Rewrite(node.Result);
        return ReferenceEquals(condition, node.Condition) && ReferenceEquals(result, node.Result)
            ? node
            : node with { Condition = condition, Result = result };
    }

    public virtual Expr VisitCastExpr(CastExpr node)
    {
        var operand = Rewrite(node.Operand);
        var type = Rewrite(node.Type);
        return ReferenceEquals(operand, node.Operand) && ReferenceEquals(type, node.Type)
            ? node
            : node with { Operand = operand, Type = type };
    }

    public virtual FuncArg VisitFuncArg(FuncArg node)
    {
        var name = RewriteOptional(node.Name);
        var value = Rewrite(node.Value);
        return ReferenceEquals(name, node.Name) && ReferenceEquals(value, node.Value)
            ? node
            : node with { Name = name, Value = value };
    }

    public virtual Expr VisitFuncCall(FuncCall node)
    {
        var name = Rewrite(node.Name);
        var args = RewriteList(node.Args);
        var orderBy = RewriteList(node.OrderBy);
        var withinGroup = RewriteList(node.WithinGroup);
        var filter = RewriteOptional(node.Filter);
        var over = RewriteOptional(node.Over);
        return ReferenceEquals(name, node.Name) && args == node.Args && orderBy == node.OrderBy && withinGroup == node.WithinGroup && ReferenceEquals(filter, node.Filter) && ReferenceEquals(over, node.Over)
            ? node
            : node with { Name = name, Args = args, OrderBy = orderBy, WithinGroup = withinGroup, Filter = filter, Over = over };
    }

    public virtual Expr VisitSubqueryExpr(SubqueryExpr node)
    {
        var query = Rewrite(node.Query);
        return ReferenceEquals(query, node.Query)
            ? node
            : node with { Query = query };
    }

    public virtual Expr VisitArrayExpr(ArrayExpr node)
    {
        var elements = RewriteList(node.Elements);
        return elements == node.Elements
            ? node
            : node with { Elements = elements };
    }

    public virtual Expr VisitRowExpr(RowExpr node)
    {
        var fields = RewriteList(node.Fields);
        return fields == node.Fields
            ? node
            : node with { Fields = fields };
    }

    public virtual Expr VisitSubscriptExpr(SubscriptExpr node)
    {
        var target = Rewrite(node.Target);
        var lower = RewriteOptional(node.Lower);
        var upper = RewriteOptional(node.Upper);
        return ReferenceEquals(target, node.Target) && ReferenceEquals(lower, node.Lower) && ReferenceEquals(upper, node.Upper)
            ? node
            : node with { Target = target, Lower = lower, Upper = upper };
    }

    public virtual Expr VisitFieldSelectExpr(FieldSelectExpr node)
    {
        var target = Rewrite(node.Target);
        var field = RewriteOptional(node.Field);
        return ReferenceEquals(target, node.Target) && ReferenceEquals(field, node.Field)
            ? node
            : node with { Target = target, Field = field };
    }

    public virtual Expr VisitCollateExpr(CollateExpr node)
    {
        var operand = Rewrite(node.Operand);
        var collation = Rewrite(node.Collation);
        return ReferenceEquals(operand, node.Operand) && ReferenceEquals(collation, node.Collation)
            ? node
            : node with { Operand = operand, Collation = collation };
    }

    public virtual Expr VisitAtTimeZoneExpr(AtTimeZoneExpr node)
    {
        var operand = Rewrite(node.Operand);
        var zone = Rewrite(node.Zone);
        return ReferenceEquals(operand, node.Operand) && ReferenceEquals(zone, node.Zone)
            ? node
            : node with { Operand = operand, Zone = zone };
    }

    public virtual Expr VisitExtractExpr(ExtractExpr node)
    {
        var source = Rewrite(node.Source);
        return ReferenceEquals(source, node.Source)
            ? node
            : node with { Source = source };
    }

    public virtual Expr VisitSubstringExpr(SubstringExpr node)
    {
        var source = Rewrite(node.Source);
        var @from = RewriteOptional(node.From);
        var @for = RewriteOptional(node.For);
        return ReferenceEquals(source, node.Source) && ReferenceEquals(@from, node.From) && ReferenceEquals(@for, node.For)
            ? node
            : node with { Source = source, From = @from, For = @for };
    }

    public virtual Expr VisitPositionExpr(PositionExpr node)
    {
        var needle = Rewrite(node.Needle);
        var haystack = Rewrite(node.Haystack);
        return ReferenceEquals(needle, node.Needle) && ReferenceEquals(haystack, node.Haystack)
            ? node
            : node with { Needle = needle, Haystack = haystack };
    }

    public virtual Expr VisitTrimExpr(TrimExpr node)
    {
        var characters = RewriteOptional(node.Characters);
        var source = Rewrite(node.Source);
        return ReferenceEquals(characters, node.Characters) && ReferenceEquals(source, node.Source)
            ? node
            : node with { Characters = characters, Source = source };
    }

    public virtual Expr VisitOverlayExpr(OverlayExpr node)
    {
        var source = Rewrite(node.Source);
        var replacement = Rewrite(node.Replacement);
        var @from = Rewrite(node.From);
        var @for = RewriteOptional(node.For);
        return ReferenceEquals(source, node.Source) && ReferenceEquals(replacement, node.Replacement) && ReferenceEquals(@from, node.From) && ReferenceEquals(@for, node.For)
            ? node
            : node with { Source = source, Replacement = replacement, From = @from, For = @for };
    }

    public virtual Expr VisitSqlValueFunction(SqlValueFunction node)
        => node;

    public virtual Expr VisitGroupingSet(GroupingSet node)
    {
        var items = RewriteList(node.Items);
        return items == node.Items
            ? node
            : node with { Items = items };
    }

    public virtual Statement VisitQueryStatement(QueryStatement node)
    {
        var query = Rewrite(node.Query);
        return ReferenceEquals(query, node.Query)
            ? node
            : node with { Query = query };
    }

    public virtual Statement VisitCreateTableAsStatement(CreateTableAsStatement node)
    {
        var name = Rewrite(node.Name);
        var columnNames = RewriteList(node.ColumnNames);
        var query = Rewrite(node.Query);
        return ReferenceEquals(name, node.Name) && columnNames == node.ColumnNames && ReferenceEquals(query, node.Query)
            ? node
            : node with { Name = name, ColumnNames = columnNames, Query = query };
    }

    public virtual Statement VisitCreateViewStatement(CreateViewStatement node)
    {
        var name = Rewrite(node.Name);
        var columnNames = RewriteList(node.ColumnNames);
        var query = Rewrite(node.Query);
        return ReferenceEquals(name, node.Name) && columnNames == node.ColumnNames && ReferenceEquals(query, node.Query)
            ? node
            : node with { Name = name, ColumnNames = columnNames, Query = query };
    }
}
