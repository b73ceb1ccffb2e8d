using System.Runtime.CompilerServices;

// One method per node type: keep in sync with the node records in Syntax/*.cs.

namespace TViews.Sql;

/// <summary>
/// Read-only traversal. Override a <c>VisitXxx</c> method to act on that node type; call <c>base.VisitXxx(node)</c>
/// (or <see cref="VisitChildren"/>) to keep descending, or skip it to prune (e.g. stay out of subqueries).
/// </summary>
internal abstract class SqlWalker
{
    private int _depth;

    /// <summary>Dispatches to the <c>VisitXxx</c> method of the node's type.</summary>
    public virtual void Visit(SqlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (++_depth > 2000) RuntimeHelpers.EnsureSufficientExecutionStack();
        try
        {
            switch (node)
            {
                case Identifier n: VisitIdentifier(n); break;
                case QualifiedName n: VisitQualifiedName(n); break;
                case Alias n: VisitAlias(n); break;
                case ColumnDef n: VisitColumnDef(n); break;
                case TypeName n: VisitTypeName(n); break;
                case SelectStmt n: VisitSelectStmt(n); break;
                case SelectCore n: VisitSelectCore(n); break;
                case SetOperationQuery n: VisitSetOperationQuery(n); break;
                case ValuesQuery n: VisitValuesQuery(n); break;
                case NestedQuery n: VisitNestedQuery(n); break;
                case ResultTarget n: VisitResultTarget(n); break;
                case WithClause n: VisitWithClause(n); break;
                case CommonTableExpr n: VisitCommonTableExpr(n); break;
                case SortItem n: VisitSortItem(n); break;
                case FetchClause n: VisitFetchClause(n); break;
                case LockingClause n: VisitLockingClause(n); break;
                case WindowDef n: VisitWindowDef(n); break;
                case WindowSpec n: VisitWindowSpec(n); break;
                case FrameClause n: VisitFrameClause(n); break;
                case FrameBound n: VisitFrameBound(n); break;
                case TableRef n: VisitTableRef(n); break;
                case SubqueryRef n: VisitSubqueryRef(n); break;
                case FunctionRef n: VisitFunctionRef(n); break;
                case RangeFunction n: VisitRangeFunction(n); break;
                case JoinExpr n: VisitJoinExpr(n); break;
                case ColumnRef n: VisitColumnRef(n); break;
                case StarExpr n: VisitStarExpr(n); break;
                case Literal n: VisitLiteral(n); break;
                case TypedLiteral n: VisitTypedLiteral(n); break;
                case ParamRef n: VisitParamRef(n); break;
                case BinaryExpr n: VisitBinaryExpr(n); break;
                case UnaryExpr n: VisitUnaryExpr(n); break;
                case BoolExpr n: VisitBoolExpr(n); break;
                case NotExpr n: VisitNotExpr(n); break;
                case IsExpr n: VisitIsExpr(n); break;
                case IsDistinctFromExpr n: VisitIsDistinctFromExpr(n); break;
                case InListExpr n: VisitInListExpr(n); break;
                case InSubqueryExpr n: VisitInSubqueryExpr(n); break;
                case QuantifiedExpr n: VisitQuantifiedExpr(n); break;
                case BetweenExpr n: VisitBetweenExpr(n); break;
                case LikeExpr n: VisitLikeExpr(n); break;
                case CaseExpr n: VisitCaseExpr(n); break;
                case CaseWhen n: VisitCaseWhen(n); break;
                case CastExpr n: VisitCastExpr(n); break;
                case FuncArg n: VisitFuncArg(n); break;
                case FuncCall n: VisitFuncCall(n); break;
                case SubqueryExpr n: VisitSubqueryExpr(n); break;
                case ArrayExpr n: VisitArrayExpr(n); break;
                case RowExpr n: VisitRowExpr(n); break;
                case SubscriptExpr n: VisitSubscriptExpr(n); break;
                case FieldSelectExpr n: VisitFieldSelectExpr(n); break;
                case CollateExpr n: VisitCollateExpr(n); break;
                case AtTimeZoneExpr n: VisitAtTimeZoneExpr(n); break;
                case ExtractExpr n: VisitExtractExpr(n); break;
                case SubstringExpr n: VisitSubstringExpr(n); break;
                case PositionExpr n: VisitPositionExpr(n); break;
                case TrimExpr n: VisitTrimExpr(n); break;
                case OverlayExpr n: VisitOverlayExpr(n); break;
                case SqlValueFunction n: VisitSqlValueFunction(n); break;
                case GroupingSet n: VisitGroupingSet(n); break;
                case QueryStatement n: VisitQueryStatement(n); break;
                case CreateTableAsStatement n: VisitCreateTableAsStatement(n); break;
                case CreateViewStatement n: VisitCreateViewStatement(n); break;
                default: VisitChildren(node); break;
            }
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>Visits every direct child.</summary>
    protected void VisitChildren(SqlNode node)
    {
        foreach (var child in node.Children) Visit(child);
    }

    public virtual void VisitIdentifier(Identifier node) => VisitChildren(node);

    public virtual void VisitQualifiedName(QualifiedName node) => VisitChildren(node);

    public virtual void VisitAlias(Alias node) => VisitChildren(node);

    public virtual void VisitColumnDef(ColumnDef node) => VisitChildren(node);

    public virtual void VisitTypeName(TypeName node) => VisitChildren(node);

    public virtual void VisitSelectStmt(SelectStmt node) => VisitChildren(node);

    public virtual void VisitSelectCore(SelectCore node) => VisitChildren(node);

    public virtual void VisitSetOperationQuery(SetOperationQuery node) => VisitChildren(node);

    public virtual void VisitValuesQuery(ValuesQuery node) => VisitChildren(node);

    public virtual void VisitNestedQuery(NestedQuery node) => VisitChildren(node);

    public virtual void VisitResultTarget(ResultTarget node) => VisitChildren(node);

    public virtual void VisitWithClause(WithClause node) => VisitChildren(node);

    public virtual void VisitCommonTableExpr(CommonTableExpr node) => VisitChildren(node);

    public virtual void VisitSortItem(SortItem node) => VisitChildren(node);

    public virtual void VisitFetchClause(FetchClause node) => VisitChildren(node);

    public virtual void VisitLockingClause(LockingClause node) => VisitChildren(node);

    public virtual void VisitWindowDef(WindowDef node) => VisitChildren(node);

    public virtual void VisitWindowSpec(WindowSpec node) => VisitChildren(node);

    public virtual void VisitFrameClause(FrameClause node) => VisitChildren(node);

    public virtual void VisitFrameBound(FrameBound node) => VisitChildren(node);

    public virtual void VisitTableRef(TableRef node) => VisitChildren(node);

    public virtual void VisitSubqueryRef(SubqueryRef node) => VisitChildren(node);

    public virtual void VisitFunctionRef(FunctionRef node) => VisitChildren(node);

    public virtual void VisitRangeFunction(RangeFunction node) => VisitChildren(node);

    public virtual void VisitJoinExpr(JoinExpr node) => VisitChildren(node);

    public virtual void VisitColumnRef(ColumnRef node) => VisitChildren(node);

    public virtual void VisitStarExpr(StarExpr node) => VisitChildren(node);

    public virtual void VisitLiteral(Literal node) => VisitChildren(node);

    public virtual void VisitTypedLiteral(TypedLiteral node) => VisitChildren(node);

    public virtual void VisitParamRef(ParamRef node) => VisitChildren(node);

    public virtual void VisitBinaryExpr(BinaryExpr node) => VisitChildren(node);

    public virtual void VisitUnaryExpr(UnaryExpr node) => VisitChildren(node);

    public virtual void VisitBoolExpr(BoolExpr node) => VisitChildren(node);

    public virtual void VisitNotExpr(NotExpr node) => VisitChildren(node);

    public virtual void VisitIsExpr(IsExpr node) => VisitChildren(node);

    public virtual void VisitIsDistinctFromExpr(IsDistinctFromExpr node) => VisitChildren(node);

    public virtual void VisitInListExpr(InListExpr node) => VisitChildren(node);

    public virtual void VisitInSubqueryExpr(InSubqueryExpr node) => VisitChildren(node);

    public virtual void VisitQuantifiedExpr(QuantifiedExpr node) => VisitChildren(node);

    public virtual void VisitBetweenExpr(BetweenExpr node) => VisitChildren(node);

    public virtual void VisitLikeExpr(LikeExpr node) => VisitChildren(node);

    public virtual void VisitCaseExpr(CaseExpr node) => VisitChildren(node);

    public virtual void VisitCaseWhen(CaseWhen node) => VisitChildren(node);

    public virtual void VisitCastExpr(CastExpr node) => VisitChildren(node);

    public virtual void VisitFuncArg(FuncArg node) => VisitChildren(node);

    public virtual void VisitFuncCall(FuncCall node) => VisitChildren(node);

    public virtual void VisitSubqueryExpr(SubqueryExpr node) => VisitChildren(node);

    public virtual void VisitArrayExpr(ArrayExpr node) => VisitChildren(node);

    public virtual void VisitRowExpr(RowExpr node) => VisitChildren(node);

    public virtual void VisitSubscriptExpr(SubscriptExpr node) => VisitChildren(node);

    public virtual void VisitFieldSelectExpr(FieldSelectExpr node) => VisitChildren(node);

    public virtual void VisitCollateExpr(CollateExpr node) => VisitChildren(node);

    public virtual void VisitAtTimeZoneExpr(AtTimeZoneExpr node) => VisitChildren(node);

    public virtual void VisitExtractExpr(ExtractExpr node) => VisitChildren(node);

    public virtual void VisitSubstringExpr(SubstringExpr node) => VisitChildren(node);

    public virtual void VisitPositionExpr(PositionExpr node) => VisitChildren(node);

    public virtual void VisitTrimExpr(TrimExpr node) => VisitChildren(node);

    public virtual void VisitOverlayExpr(OverlayExpr node) => VisitChildren(node);

    public virtual void VisitSqlValueFunction(SqlValueFunction node) => VisitChildren(node);

    public virtual void VisitGroupingSet(GroupingSet node) => VisitChildren(node);

    public virtual void VisitQueryStatement(QueryStatement node) => VisitChildren(node);

    public virtual void VisitCreateTableAsStatement(CreateTableAsStatement node) => VisitChildren(node);

    public virtual void VisitCreateViewStatement(CreateViewStatement node) => VisitChildren(node);
}
