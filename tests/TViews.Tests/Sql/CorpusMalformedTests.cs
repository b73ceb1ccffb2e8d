using Npgsql;
using TViews.Sql;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Sql;

/// <summary>A malformed input with the position (1-based line and column) the error must point at.</summary>
/// <param name="Gist">Fragments the message must contain (case-insensitive), after the <c>line L, column C:</c> prefix.</param>
/// <param name="PostgresAgrees">PostgreSQL 15 reports a syntax error at the same place (checked against the server).</param>
public sealed record MalformedCase(string Name, string Sql, int Line, int Column, string[] Gist, bool PostgresAgrees = true)
{
    public override string ToString() => Name;
}

/// <summary>Malformed statements: <see cref="SqlSyntaxException"/> with the exact position and a useful message.</summary>
public sealed class CorpusMalformedTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly string[] Unterminated = ["unterminated"];
    private static readonly string[] EndOfInput = ["expected", "end of input"];

    public static IReadOnlyList<MalformedCase> Cases { get; } =
    [
        // Lexical errors: the position is where the unterminated token starts.
        new("unterminated string", "SELECT 'abc", 1, 8, Unterminated),
        new("unterminated string with doubled quote", "SELECT a,\n       'it''s\nFROM t", 2, 8, Unterminated),
        new("unterminated E string (escaped closing quote)", @"SELECT E'abc\'", 1, 8, Unterminated),
        new("unterminated U& string", "SELECT 1, U&'abc", 1, 11, Unterminated),
        new("unterminated dollar quote (other tag)", "SELECT $a$ text $b$", 1, 8, Unterminated),
        new("unterminated dollar quote (tags are case-sensitive)", "SELECT $x$ text $X$", 1, 8, Unterminated),
        new("unterminated quoted identifier", "SELECT \"abc FROM t", 1, 8, Unterminated),
        new("unterminated block comment", "SELECT 1 /* comment", 1, 10, Unterminated),
        new("unterminated nested block comment", "SELECT 1 /* a /* b */ c", 1, 10, Unterminated),
        new("unterminated block comment on line 2", "SELECT a\n  /* started here\n  and never\nclosed", 2, 3, Unterminated),
        new("unterminated string on line 3", "SELECT a,\n  b\n  , 'oops\nFROM t", 3, 5, Unterminated),
        new("trailing junk after a number", "SELECT 1abc", 1, 8, []),

        // Missing operands and clauses: the error is at the end of the input.
        new("missing operand", "SELECT 1 +", 1, 11, EndOfInput),
        new("missing WHERE condition", "SELECT * FROM t WHERE", 1, 22, EndOfInput),
        new("missing FROM item", "SELECT 1 FROM", 1, 14, EndOfInput),
        new("unclosed parenthesis", "SELECT (1", 1, 10, EndOfInput),
        new("unclosed ARRAY", "SELECT ARRAY[1, 2", 1, 18, EndOfInput),
        new("CASE without END", "SELECT CASE WHEN true THEN 1", 1, 29, EndOfInput),
        new("cast operator without type", "SELECT 1::", 1, 11, EndOfInput),
        new("UNION without right operand", "SELECT 1 UNION", 1, 15, EndOfInput),
        new("WITH without query", "WITH x AS (SELECT 1)", 1, 21, EndOfInput),

        // Stray or missing tokens: the error is at the first token that cannot continue the statement.
        new("double comma", "SELECT a,, b FROM t", 1, 10, ["expected", "\",\""]),
        new("comma before FROM", "SELECT a, FROM t", 1, 11, ["expected", "from"]),
        new("trailing comma in call", "SELECT f(a,)", 1, 12, ["expected", "\")\""]),
        new("misspelled SELECT", "SELEC 1", 1, 1, ["expected", "selec"]),
        new("misspelled FROM is an alias, the table name is the error", "SELECT 1 FORM t", 1, 15, ["expected", "\"t\""]),
        new("extra closing parenthesis", "SELECT 1)", 1, 9, ["expected", "\")\""]),
        new("error on line 3", "SELECT a,\n       b\nFROM t WHERE a = = 1", 3, 18, ["expected", "\"=\""]),
        new("CRLF line breaks", "SELECT a,\r\n  b,\r\n  FROM t", 3, 3, ["expected", "from"]),
        new("tab counts as one column", "SELECT\ta,\t, b", 1, 11, ["expected", "\",\""]),
        new("surrogate pair counts as one column", "SELECT 'é🎉', ,", 1, 14, ["expected", "\",\""]),
        new("adjacent literals on one line", "SELECT 'a' 'b'", 1, 12, ["expected"]),
        new("comparison operators do not associate", "SELECT 1 < 2 = 3", 1, 14, ["expected", "\"=\""]),
        new("missing join condition", "SELECT * FROM a JOIN b WHERE true", 1, 24, ["expected", "where"]),
        new("empty IN list", "SELECT 1 WHERE 1 IN ()", 1, 22, ["expected", "\")\""]),
        new("CAST without type", "SELECT CAST(1 AS)", 1, 17, ["expected", "\")\""]),
        new("two values without comma", "SELECT 1 2", 1, 10, ["expected", "\"2\""]),
        new("ORDER without BY", "SELECT a FROM t ORDER a", 1, 23, ["expected", "by"]),
        new("reserved word as alias after AS in FROM", "SELECT 1 FROM t AS select", 1, 20, ["expected", "select"]),
        new("empty select list followed by FROM FROM", "SELECT FROM FROM t", 1, 13, ["expected", "from"]),
        new("dangling dot", "SELECT t.;", 1, 10, ["expected", "\";\""]),
        new("= is not a prefix operator", "SELECT = 1", 1, 8, ["expected", "\"=\""]),
        new("<> is not a prefix operator", "SELECT a FROM t WHERE <> 1", 1, 23, ["expected", "\"<>\""]),
        new("* is not a prefix operator", "SELECT 1 + * 2", 1, 12, ["expected", "\"*\""]),
        new("count(*) followed by a name", "SELECT count(* x) FROM t", 1, 16, ["expected", "\"x\""]),
        new("DISTINCT needs a select list", "SELECT DISTINCT FROM t", 1, 17, ["expected", "from"]),
        new("NOT in the lower bound of BETWEEN", "SELECT 1 BETWEEN NOT 0 AND 2", 1, 18, ["expected", "not"]),
        new("three names in a FROM item", "SELECT * FROM a b c", 1, 19, ["expected", "\"c\""]),

        // ParseSelect-specific: one query only.
        new("empty input", "", 1, 1, EndOfInput, PostgresAgrees: false),
        new("only a comment", "-- nothing here\n", 2, 1, EndOfInput, PostgresAgrees: false),
        new("two statements", "SELECT 1; SELECT 2", 1, 11, ["expected"], PostgresAgrees: false),
    ];

    public static TheoryData<string> CaseNames() => [.. Cases.Select(c => c.Name)];

    [Fact]
    public void ThereAreEnoughCases() => Assert.True(Cases.Count >= 25, $"{Cases.Count} malformed cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReportsPosition(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect(c.Sql));
        var where = $"{name}: {Show(c.Sql)} -> {ex.Message}";
        Assert.True((c.Line, c.Column) == (ex.Line, ex.Column),
            $"{where}\nexpected line {c.Line}, column {c.Column}; got line {ex.Line}, column {ex.Column}");
        Assert.StartsWith($"line {c.Line}, column {c.Column}: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(OffsetOf(c.Sql, c.Line, c.Column), ex.Offset);
        foreach (var fragment in c.Gist)
            Assert.True(ex.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"{where}\nthe message lacks \"{fragment}\"");
        Assert.False(string.IsNullOrWhiteSpace(ex.Detail), where);
    }

    /// <summary>The same inputs through ParseScript fail at the same place (except the ParseSelect-only cases).</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ScriptReportsTheSamePosition(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        if (!c.PostgresAgrees) return;
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseScript(c.Sql));
        Assert.True((c.Line, c.Column) == (ex.Line, ex.Column),
            $"{name}: {Show(c.Sql)} -> {ex.Message}\nexpected line {c.Line}, column {c.Column}");
    }

    /// <summary>In a script, positions count from the start of the script, not of the failing statement.</summary>
    [Theory]
    [InlineData("SELECT 1;\nCREATE VIEW v AS SELECT 2;\n\nCREATE TABLE t AS\nSELECT 3 +;\n", 5, 11)]
    [InlineData("SELECT $$;\n$$;\nSELECT 'a;b' AS \"c;d\" /* ; */;\nCREATE OR REPLACE VIEW v (a) AS SELECT FROM;", 4, 44)]
    [InlineData("-- header\nCREATE TABLE t AS SELECT 1 WITH NO DATA;\nCREATE VIEW v AS\n  SELECT 'unterminated\n;", 4, 10)]
    // A missing ';' is noticed late, as in PostgreSQL: "2 SELECT" is the value 2 labelled "select".
    [InlineData("SELECT 1;\nSELECT 2\nSELECT 3;", 3, 8)]
    public void ScriptPositionsCountFromTheStartOfTheScript(string script, int line, int column)
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseScript(script));
        Assert.True((line, column) == (ex.Line, ex.Column), $"{Show(script)} -> {ex.Message}\nexpected line {line}, column {column}");
        Assert.Equal(OffsetOf(script, line, column), ex.Offset);
    }

    /// <summary>The expected positions are PostgreSQL's own (the server's error position, in characters).</summary>
    [Fact]
    public async Task PositionsAgreeWithPostgres()
    {
        await using var conn = await db.OpenAsync();
        var wrong = new List<string>();
        foreach (var c in Cases.Where(c => c.PostgresAgrees))
        {
            try
            {
                await using var cmd = new NpgsqlCommand(c.Sql, conn);
                await cmd.ExecuteNonQueryAsync();
                wrong.Add($"{c.Name}: PostgreSQL accepted {Show(c.Sql)}");
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.SyntaxError)
            {
                var (line, column) = LineColumnOfCodePoint(c.Sql, ex.Position);
                if ((line, column) != (c.Line, c.Column))
                    wrong.Add($"{c.Name}: PostgreSQL reports line {line}, column {column} ({ex.MessageText}); the case says {c.Line}, {c.Column}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private static string Show(string sql) => "\"" + sql.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    /// <summary>UTF-16 offset of a 1-based line and column (columns count code points, like PostgreSQL).</summary>
    private static int OffsetOf(string text, int line, int column)
    {
        int i = 0;
        for (int l = 1; l < line; l++)
        {
            while (i < text.Length && text[i] != '\n' && text[i] != '\r') i++;
            if (i < text.Length && text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            i++;
        }
        for (int col = 1; col < column && i < text.Length; col++) i += char.IsHighSurrogate(text[i]) ? 2 : 1;
        return i;
    }

    /// <summary>Line and column of PostgreSQL's 1-based character position.</summary>
    private static (int Line, int Column) LineColumnOfCodePoint(string text, int position)
    {
        int line = 1, column = 1, seen = 1;
        for (int i = 0; i < text.Length && seen < position; i++)
        {
            if (char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1])) continue;
            seen++;
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n'))) { line++; column = 1; }
            else if (text[i] != '\r') column++;
        }
        return (line, column);
    }
}
