using TViews.Sql;

namespace TViews.Tests.Sql;

public class LexerTests
{
    private static List<Token> Lex(string sql) => SqlLexer.Tokenize(sql).Where(t => t.Kind != TokenKind.EndOfInput).ToList();

    private static string Kinds(string sql) => string.Join(" ", Lex(sql).Select(t => $"{t.Kind}:{t.Value}"));

    [Fact]
    public void Unquoted_identifiers_fold_to_lower_case_and_keep_their_span()
    {
        var tokens = Lex("  SeLeCt MyCol");
        Assert.Equal("select", tokens[0].Value);
        Assert.Equal(KeywordCategory.Reserved, tokens[0].Category);
        Assert.Equal("mycol", tokens[1].Value);
        Assert.Equal(new TextSpan(9, 5), tokens[1].Span);
        Assert.False(tokens[1].Quoted);
    }

    [Fact]
    public void Non_ascii_letters_are_identifier_characters_and_are_not_folded()
    {
        var token = Assert.Single(Lex("Größe$1"));
        Assert.Equal(TokenKind.Identifier, token.Kind);
        Assert.Equal("größe$1", token.Value);
    }

    [Fact]
    public void Quoted_identifiers_keep_case_and_unescape_doubled_quotes()
    {
        var token = Assert.Single(Lex("\"My \"\"Col\"\"\""));
        Assert.Equal("My \"Col\"", token.Value);
        Assert.True(token.Quoted);
        Assert.Equal(KeywordCategory.None, token.Category);
    }

    [Fact]
    public void Unicode_identifiers_decode_escapes_and_uescape()
    {
        Assert.Equal("ab", Assert.Single(Lex("U&\"\\0061b\"")).Value);
        Assert.Equal("d\U0001F600", Assert.Single(Lex("U&\"d\\+01F600\"")).Value);
        var custom = Assert.Single(Lex("U&\"!0061\" UESCAPE '!'"));
        Assert.Equal("a", custom.Value);
        Assert.Equal(new TextSpan(0, 21), custom.Span);
    }

    [Fact]
    public void Identifiers_are_truncated_to_63_bytes()
    {
        string longName = new('a', 70);
        Assert.Equal(new string('a', 63), Assert.Single(Lex(longName)).Value);
        // Two-byte characters: 31 of them fit in 63 bytes.
        Assert.Equal(new string('é', 31), Assert.Single(Lex(new string('é', 40))).Value);
    }

    [Fact]
    public void Standard_strings_double_quotes_and_keep_backslashes()
    {
        var token = Assert.Single(Lex(@"'it''s \n'"));
        Assert.Equal(TokenKind.String, token.Kind);
        Assert.Equal(@"it's \n", token.Value);
        Assert.Equal(StringLiteralForm.Standard, token.StringForm);
    }

    [Theory]
    [InlineData(@"E'a\nb'", "a\nb")]
    [InlineData(@"e'\t\b\f\r'", "\t\b\f\r")]
    [InlineData(@"E'\\ \' '''", @"\ ' '")]
    [InlineData(@"E'\x41\101\u00e9\U0001F600'", "AAé\U0001F600")]
    [InlineData(@"E'\xC3\xA9'", "é")]
    [InlineData(@"E'\q\v'", "qv")]
    public void Escape_strings_decode_c_style_escapes(string sql, string expected)
    {
        var token = Assert.Single(Lex(sql));
        Assert.Equal(expected, token.Value);
        Assert.Equal(StringLiteralForm.Escape, token.StringForm);
    }

    [Fact]
    public void Unicode_strings_decode_escapes()
    {
        Assert.Equal("AB\\", Assert.Single(Lex(@"U&'\0041\+000042\\'")).Value);
        Assert.Equal("A!", Assert.Single(Lex("U&'!0041!!' UESCAPE '!'")).Value);
    }

    [Fact]
    public void Dollar_quoted_strings_with_and_without_tags()
    {
        Assert.Equal("it's $x", Assert.Single(Lex("$$it's $x$$")).Value);
        var tagged = Assert.Single(Lex("$fn$ a $$ b $fn$"));
        Assert.Equal(" a $$ b ", tagged.Value);
        Assert.Equal(StringLiteralForm.Dollar, tagged.StringForm);
        Assert.Equal(new TextSpan(0, 16), tagged.Span);
    }

    [Fact]
    public void A_dollar_followed_by_digits_is_a_parameter_not_a_dollar_quote()
    {
        Assert.Equal("Param:1 Operator:+ Param:12", Kinds("$1+$12"));
    }

    [Fact]
    public void Adjacent_strings_concatenate_only_across_a_newline()
    {
        Assert.Equal("String:ab", Kinds("'a'\n  'b'"));
        Assert.Equal("String:ab", Kinds("'a' -- comment\n 'b'"));
        // A block comment does not count as the separating whitespace.
        Assert.Equal("String:a String:b", Kinds("'a' /* c */\n 'b'"));
        Assert.Equal("String:ab", Kinds("'a'\n -- c\n 'b'"));
        Assert.Equal("String:a String:b", Kinds("'a' 'b'"));
    }

    [Fact]
    public void Bit_and_hex_strings_and_national_strings()
    {
        Assert.Equal("BitString:b0101 BitString:x1F", Kinds("B'0101' x'1F'"));
        var national = Assert.Single(Lex("N'abc'"));
        Assert.True(national.National);
        Assert.Equal("abc", national.Value);
    }

    [Theory]
    [InlineData("42", "Integer:42")]
    [InlineData("3.14", "Numeric:3.14")]
    [InlineData(".5", "Numeric:.5")]
    [InlineData("5.", "Numeric:5.")]
    [InlineData("1.e5", "Numeric:1.e5")]
    [InlineData("1e-3", "Numeric:1e-3")]
    [InlineData("1.5E+10", "Numeric:1.5E+10")]
    [InlineData("1..2", "Integer:1 DotDot:.. Integer:2")]
    public void Numbers(string sql, string expected) => Assert.Equal(expected, Kinds(sql));

    [Theory]
    [InlineData("0x1F")]
    [InlineData("0b101")]
    [InlineData("1_000")]
    [InlineData("123abc")]
    [InlineData("1e")]
    [InlineData("1e+")]
    public void Postgres16_number_syntax_and_trailing_junk_are_rejected(string sql)
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlLexer.Tokenize(sql));
        Assert.Equal("line 1, column 1: trailing junk after numeric literal", ex.Message);
    }

    [Theory]
    [InlineData("a<-1", "Identifier:a Operator:< Operator:- Integer:1")]
    [InlineData("a-1", "Identifier:a Operator:- Integer:1")]
    [InlineData("a=-1", "Identifier:a Operator:= Operator:- Integer:1")]
    [InlineData("x->>'k'", "Identifier:x Operator:->> String:k")]
    [InlineData("x#>>'{a}'", "Identifier:x Operator:#>> String:{a}")]
    [InlineData("x@>y", "Identifier:x Operator:@> Identifier:y")]
    [InlineData("x<@y", "Identifier:x Operator:<@ Identifier:y")]
    [InlineData("x?|y", "Identifier:x Operator:?| Identifier:y")]
    [InlineData("a||b", "Identifier:a Operator:|| Identifier:b")]
    [InlineData("a!=b", "Identifier:a Operator:<> Identifier:b")]
    [InlineData("a<>b", "Identifier:a Operator:<> Identifier:b")]
    [InlineData("a>=b", "Identifier:a Operator:>= Identifier:b")]
    [InlineData("a::int", "Identifier:a DoubleColon::: Identifier:int")]
    [InlineData("f(a=>1)", "Identifier:f LeftParen:( Identifier:a EqualsGreater:=> Integer:1 RightParen:)")]
    [InlineData("f(a:=1)", "Identifier:f LeftParen:( Identifier:a ColonEquals::= Integer:1 RightParen:)")]
    [InlineData("a@-1", "Identifier:a Operator:@- Integer:1")]
    [InlineData("a*-1", "Identifier:a Operator:* Operator:- Integer:1")]
    [InlineData("a--comment\n+b", "Identifier:a Operator:+ Identifier:b")]
    [InlineData("a+/*c*/b", "Identifier:a Operator:+ Identifier:b")]
    [InlineData("a[1:2]", "Identifier:a LeftBracket:[ Integer:1 Colon:: Integer:2 RightBracket:]")]
    public void Operators_follow_postgres_splitting_rules(string sql, string expected) => Assert.Equal(expected, Kinds(sql));

    [Fact]
    public void Nested_block_comments_are_skipped()
    {
        Assert.Equal("Identifier:a Identifier:b", Kinds("a /* x /* y */ z */ b"));
    }

    [Theory]
    [InlineData("SELECT 'abc", "line 1, column 8: unterminated string literal")]
    [InlineData("SELECT E'ab\\'", "line 1, column 8: unterminated string literal")]
    [InlineData("SELECT \"abc", "line 1, column 8: unterminated quoted identifier")]
    [InlineData("SELECT $x$abc$y$", "line 1, column 8: unterminated dollar-quoted string")]
    [InlineData("SELECT /* /* */", "line 1, column 8: unterminated /* comment")]
    [InlineData("SELECT \"\"", "line 1, column 8: zero-length delimited identifier")]
    [InlineData("\nSELECT $1x", "line 2, column 8: trailing junk after parameter")]
    [InlineData("SELECT B'012'", "line 1, column 12: \"2\" is not a valid binary digit")]
    [InlineData("SELECT U&'\\00'", "line 1, column 11: invalid Unicode escape (must be \\XXXX or \\+XXXXXX)")]
    public void Lexical_errors_report_the_position(string sql, string message)
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlLexer.Tokenize(sql));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Unpaired_surrogates_are_rejected_where_they_occur()
    {
        // Built in code: xunit would replace them in InlineData. Such text cannot be sent to PostgreSQL at all.
        string inString = "SELECT '" + '\ud83c' + "\t" + '\udf89' + "'";
        Assert.Equal("line 1, column 9: invalid character (unpaired UTF-16 surrogate)",
            Assert.Throws<SqlSyntaxException>(() => SqlLexer.Tokenize(inString)).Message);
        string inComment = "SELECT 1 -- " + '\ud83c';
        Assert.Equal("line 1, column 13: invalid character (unpaired UTF-16 surrogate)",
            Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect(inComment)).Message);
        Assert.Single(Lex("'\U0001F389'"));
    }

    [Fact]
    public void Keyword_categories_follow_postgres_15()
    {
        Assert.Equal(KeywordCategory.Reserved, SqlKeywords.Category("select"));
        Assert.Equal(KeywordCategory.ColName, SqlKeywords.Category("coalesce"));
        Assert.Equal(KeywordCategory.TypeFuncName, SqlKeywords.Category("left"));
        Assert.Equal(KeywordCategory.None, SqlKeywords.Category("name"));
        Assert.Equal(KeywordCategory.None, SqlKeywords.Category("json_object"));
        Assert.False(SqlKeywords.IsBareLabel("from"));
        Assert.False(SqlKeywords.IsBareLabel("day"));
        Assert.True(SqlKeywords.IsBareLabel("and"));
        Assert.True(SqlKeywords.IsBareLabel("total"));
    }
}
