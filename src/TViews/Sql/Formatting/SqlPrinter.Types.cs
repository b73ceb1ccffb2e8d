using System.Globalization;
using System.Text;

namespace TViews.Sql;

internal sealed partial class SqlPrinter
{
    private static bool IsInterval(TypeName type) => type.IsSystemType && type.Name.Name == "interval";

    /// <summary>Type names print in SQL spelling (<c>integer</c>, <c>timestamp with time zone</c>); never force-quoted.</summary>
    private string Type(TypeName type)
    {
        var sb = new StringBuilder(BaseType(type));
        foreach (int bound in type.ArrayBounds.OrEmpty())
        {
            sb.Append('[');
            if (bound >= 0) sb.Append(bound.ToString(CultureInfo.InvariantCulture));
            sb.Append(']');
        }
        return sb.ToString();
    }

    private string Modifiers(TypeName type) =>
        type.Modifiers.OrEmpty().IsEmpty ? "" : "(" + string.Join(", ", type.Modifiers.Select(m => Expr(m))) + ")";

    private string BaseType(TypeName type)
    {
        if (type.IsSystemType)
        {
            string mods = Modifiers(type);
            switch (type.Name.Name)
            {
                case "int2" when mods.Length == 0: return "smallint";
                case "int4" when mods.Length == 0: return "integer";
                case "int8" when mods.Length == 0: return "bigint";
                case "float4" when mods.Length == 0: return "real";
                case "float8" when mods.Length == 0: return "double precision";
                case "bool" when mods.Length == 0: return "boolean";
                case "numeric": return "numeric" + mods;
                // Without a length these must not print as "character"/"bit", which would mean length 1.
                case "bpchar": return mods.Length == 0 ? "pg_catalog.bpchar" : "character" + mods;
                case "bit": return mods.Length == 0 ? "pg_catalog.bit" : "bit" + mods;
                case "varchar": return "character varying" + mods;
                case "varbit": return "bit varying" + mods;
                case "timestamp": return "timestamp" + mods + " without time zone";
                case "timestamptz": return "timestamp" + mods + " with time zone";
                case "time": return "time" + mods + " without time zone";
                case "timetz": return "time" + mods + " with time zone";
                case "interval": return IntervalType(type);
            }
        }
        return GenericTypeName(type) + Modifiers(type);
    }

    /// <summary>GenericType: the first part must not be a keyword reserved for other uses; later parts may be any label.</summary>
    private static string GenericTypeName(TypeName type)
    {
        var parts = type.Name.Parts.OrEmpty();
        if (parts.IsEmpty) throw new InvalidOperationException("A type needs a name.");
        var sb = new StringBuilder();
        for (int i = 0; i < parts.Length; i++)
        {
            string value = parts[i].Value;
            if (i > 0) sb.Append('.');
            bool bare = SqlFormatter.IsSimpleName(value)
                        && (i > 0 || SqlKeywords.Category(value) is KeywordCategory.None or KeywordCategory.Unreserved or KeywordCategory.TypeFuncName);
            sb.Append(bare ? value : SqlFormatter.QuoteIdentifier(value, always: true));
        }
        return sb.ToString();
    }

    private static string IntervalFieldsText(IntervalFields fields) => fields switch
    {
        IntervalFields.Year => "year",
        IntervalFields.Month => "month",
        IntervalFields.Day => "day",
        IntervalFields.Hour => "hour",
        IntervalFields.Minute => "minute",
        IntervalFields.Second => "second",
        IntervalFields.YearToMonth => "year to month",
        IntervalFields.DayToHour => "day to hour",
        IntervalFields.DayToMinute => "day to minute",
        IntervalFields.DayToSecond => "day to second",
        IntervalFields.HourToMinute => "hour to minute",
        IntervalFields.HourToSecond => "hour to second",
        _ => "minute to second",
    };

    private static bool EndsInSecond(IntervalFields fields) =>
        fields is IntervalFields.Second or IntervalFields.DayToSecond or IntervalFields.HourToSecond or IntervalFields.MinuteToSecond;

    /// <summary><c>interval</c>, <c>interval(p)</c>, <c>interval day to second(p)</c>.</summary>
    private string IntervalType(TypeName type)
    {
        string precision = Modifiers(type);
        if (type.IntervalFields is not IntervalFields fields) return "interval" + precision;
        // PostgreSQL only accepts a precision on a trailing SECOND field.
        return "interval " + IntervalFieldsText(fields) + (EndsInSecond(fields) ? precision : "");
    }

    /// <summary><c>interval '1' day</c> puts the fields after the string; <c>interval(p) '...'</c> the precision before.</summary>
    private string IntervalLiteral(TypeName type, string quotedValue)
    {
        string precision = Modifiers(type);
        if (type.IntervalFields is not IntervalFields fields) return "interval" + precision + " " + quotedValue;
        return "interval " + quotedValue + " " + IntervalFieldsText(fields) + (EndsInSecond(fields) ? precision : "");
    }
}
