using System.Globalization;
using System.Text;

namespace TViews.Sql;

/// <summary>
/// PostgreSQL 15 lexical rules. Deliberate PG15 behaviour: <c>0x1F</c>, <c>0o17</c>, <c>0b101</c> and <c>1_000</c>
/// (PostgreSQL 16 syntax) are rejected as "trailing junk after numeric literal", as are <c>123abc</c> and <c>$1abc</c>.
/// Strings assume <c>standard_conforming_strings = on</c> (backslashes are ordinary in '...').
/// </summary>
internal sealed class SqlLexer
{
    // PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated (PostgreSQL emits a NOTICE).
    private const int MaxIdentifierBytes = 63;

    private const string OpChars = "~!@#^&|`?+-*/%<>=";

    // Characters that let a multi-character operator end in + or - (otherwise `=-` is `=` then `-`).
    private const string NonSqlOpChars = "~!@#^&|`?%";

    private readonly SourceText _source;
    private readonly string _text;
    private readonly int _firstUnpairedSurrogate;
    private int _pos;

    internal SqlLexer(SourceText source)
    {
        _source = source;
        _text = source.Text;
        _firstUnpairedSurrogate = FindUnpairedSurrogate(_text);
    }

    /// <summary>Offset of the first half of a surrogate pair standing alone (not encodable, so never valid SQL).</summary>
    private static int FindUnpairedSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return i;
        }
        return int.MaxValue;
    }

    /// <summary>All tokens of <paramref name="sql"/>, ending with an <see cref="TokenKind.EndOfInput"/> token.</summary>
    /// <exception cref="SqlSyntaxException">On malformed tokens (unterminated strings, bad escapes, ...).</exception>
    public static IReadOnlyList<Token> Tokenize(string sql) => Tokenize(new SourceText(sql));

    public static IReadOnlyList<Token> Tokenize(SourceText source)
    {
        var lexer = new SqlLexer(source);
        var tokens = new List<Token>();
        while (true)
        {
            var token = lexer.Next();
            tokens.Add(token);
            if (token.Kind == TokenKind.EndOfInput) return tokens;
        }
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private bool AtEnd(int ahead = 0) => _pos + ahead >= _text.Length;

    private SqlSyntaxException Error(int offset, string detail) => SqlSyntaxException.At(_source, offset, detail, fatal: true);

    /// <summary>The next token (EndOfInput repeatedly at the end).</summary>
    internal Token Next()
    {
        var token = NextUnchecked();
        if (token.Span.End > _firstUnpairedSurrogate || (token.Kind == TokenKind.EndOfInput && _firstUnpairedSurrogate < int.MaxValue))
        {
            throw Error(_firstUnpairedSurrogate, "invalid character (unpaired UTF-16 surrogate)");
        }
        return token;
    }

    private Token NextUnchecked()
    {
        SkipTrivia();
        int start = _pos;
        if (AtEnd()) return new Token(TokenKind.EndOfInput, "", new TextSpan(_text.Length, 0));

        char c = Peek();
        char c1 = Peek(1);

        // Prefixed literals must be recognised before plain identifiers.
        if ((c is 'e' or 'E') && c1 == '\'') return LexQuotedString(start, 1, StringLiteralForm.Escape);
        if ((c is 'n' or 'N') && c1 == '\'')
        {
            var t = LexQuotedString(start, 1, StringLiteralForm.Standard);
            return new Token(TokenKind.String, t.Value, t.Span) { National = true };
        }
        if ((c is 'b' or 'B') && c1 == '\'') return LexBitString(start, 'b');
        if ((c is 'x' or 'X') && c1 == '\'') return LexBitString(start, 'x');
        if ((c is 'u' or 'U') && c1 == '&' && Peek(2) == '\'') return LexUnicodeString(start);
        if ((c is 'u' or 'U') && c1 == '&' && Peek(2) == '"') return LexUnicodeIdentifier(start);

        if (IsIdentStart(c)) return LexWord(start);
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(c1))) return LexNumber(start);

        switch (c)
        {
            case '\'':
                return LexQuotedString(start, 0, StringLiteralForm.Standard);
            case '"':
                return LexQuotedIdentifier(start);
            case '$':
                if (char.IsAsciiDigit(c1)) return LexParam(start);
                return LexDollarString(start);
            case ':':
                if (c1 == ':') return Simple(TokenKind.DoubleColon, 2);
                if (c1 == '=') return Simple(TokenKind.ColonEquals, 2);
                return Simple(TokenKind.Colon, 1);
            case '.':
                if (c1 == '.') return Simple(TokenKind.DotDot, 2);
                return Simple(TokenKind.Dot, 1);
            case '(':
                return Simple(TokenKind.LeftParen, 1);
            case ')':
                return Simple(TokenKind.RightParen, 1);
            case '[':
                return Simple(TokenKind.LeftBracket, 1);
            case ']':
                return Simple(TokenKind.RightBracket, 1);
            case ',':
                return Simple(TokenKind.Comma, 1);
            case ';':
                return Simple(TokenKind.Semicolon, 1);
        }

        if (OpChars.Contains(c)) return LexOperator(start);

        string shown = char.IsControl(c) ? $"\\u{(int)c:X4}" : _text.Substring(start, char.IsSurrogatePair(_text, start) ? 2 : 1);
        throw Error(start, $"unexpected character \"{shown}\"");
    }

    private Token Simple(TokenKind kind, int length)
    {
        var token = new Token(kind, _text.Substring(_pos, length), new TextSpan(_pos, length));
        _pos += length;
        return token;
    }

    // ---- whitespace and comments ------------------------------------------------------------

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';

    private void SkipTrivia()
    {
        while (!AtEnd())
        {
            char c = Peek();
            if (IsWhitespace(c))
            {
                _pos++;
            }
            else if (c == '-' && Peek(1) == '-')
            {
                while (!AtEnd() && Peek() is not ('\n' or '\r')) _pos++;
            }
            else if (c == '/' && Peek(1) == '*')
            {
                SkipBlockComment();
            }
            else
            {
                return;
            }
        }
    }

    private void SkipBlockComment()
    {
        int start = _pos;
        int depth = 0;
        while (!AtEnd())
        {
            if (Peek() == '/' && Peek(1) == '*')
            {
                depth++;
                _pos += 2;
            }
            else if (Peek() == '*' && Peek(1) == '/')
            {
                depth--;
                _pos += 2;
                if (depth == 0) return;
            }
            else
            {
                _pos++;
            }
        }
        throw Error(start, "unterminated /* comment");
    }

    // ---- identifiers and keywords ------------------------------------------------------------

    // PostgreSQL treats every non-ASCII character as an identifier letter.
    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= 0x80;

    private static bool IsIdentContinue(char c) => IsIdentStart(c) || char.IsAsciiDigit(c) || c == '$';

    private Token LexWord(int start)
    {
        while (!AtEnd() && IsIdentContinue(Peek())) _pos++;
        string raw = _text[start.._pos];
        string folded = FoldCase(raw);
        var category = SqlKeywords.Category(folded);
        return new Token(TokenKind.Identifier, Truncate(folded), TextSpan.FromBounds(start, _pos)) { Category = category };
    }

    /// <summary>ASCII-only lower-casing, as PostgreSQL does for UTF-8 databases.</summary>
    internal static string FoldCase(string raw)
    {
        bool hasUpper = false;
        foreach (char ch in raw)
        {
            if (ch is >= 'A' and <= 'Z')
            {
                hasUpper = true;
                break;
            }
        }
        if (!hasUpper) return raw;
        var chars = raw.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] is >= 'A' and <= 'Z') chars[i] = (char)(chars[i] + 32);
        }
        return new string(chars);
    }

    /// <summary>Truncates to 63 UTF-8 bytes without splitting a character.</summary>
    internal static string Truncate(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxIdentifierBytes) return name;
        int bytes = 0;
        int i = 0;
        while (i < name.Length)
        {
            int width = char.IsSurrogatePair(name, i) ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(name.AsSpan(i, width));
            if (bytes + size > MaxIdentifierBytes) break;
            bytes += size;
            i += width;
        }
        return name[..i];
    }

    private Token LexQuotedIdentifier(int start)
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd()) throw Error(start, "unterminated quoted identifier");
            char c = Peek();
            if (c == '"')
            {
                if (Peek(1) == '"')
                {
                    sb.Append('"');
                    _pos += 2;
                    continue;
                }
                _pos++;
                break;
            }
            sb.Append(c);
            _pos++;
        }
        if (sb.Length == 0) throw Error(start, "zero-length delimited identifier");
        return new Token(TokenKind.Identifier, Truncate(sb.ToString()), TextSpan.FromBounds(start, _pos)) { Quoted = true };
    }

    private Token LexUnicodeIdentifier(int start)
    {
        _pos += 2; // U&
        int bodyStart = _pos;
        var raw = ReadDelimitedBody('"', start, "unterminated quoted identifier");
        int end = _pos;
        char escape = ReadUescape(ref end);
        string value = DecodeUnicodeEscapes(raw, escape, bodyStart);
        if (value.Length == 0) throw Error(start, "zero-length delimited identifier");
        _pos = end;
        return new Token(TokenKind.Identifier, Truncate(value), TextSpan.FromBounds(start, end)) { Quoted = true };
    }

    /// <summary>Reads "..." or '...' with doubled-delimiter escapes from the opening delimiter at _pos; returns the raw body.</summary>
    private string ReadDelimitedBody(char delimiter, int tokenStart, string unterminated)
    {
        _pos++; // opening delimiter
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd()) throw Error(tokenStart, unterminated);
            char c = Peek();
            if (c == delimiter)
            {
                if (Peek(1) == delimiter)
                {
                    sb.Append(delimiter);
                    _pos += 2;
                    continue;
                }
                _pos++;
                return sb.ToString();
            }
            sb.Append(c);
            _pos++;
        }
    }

    /// <summary>Body of E'...': a backslash protects the next character (including a quote); '' is a quote.</summary>
    private string ReadEscapeStringBody(int tokenStart)
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd()) throw Error(tokenStart, "unterminated string literal");
            char c = Peek();
            if (c == '\\')
            {
                if (AtEnd(1)) throw Error(tokenStart, "unterminated string literal");
                sb.Append(c).Append(Peek(1));
                _pos += 2;
                continue;
            }
            if (c == '\'')
            {
                if (Peek(1) == '\'')
                {
                    sb.Append('\'');
                    _pos += 2;
                    continue;
                }
                _pos++;
                return sb.ToString();
            }
            sb.Append(c);
            _pos++;
        }
    }

    // ---- strings -----------------------------------------------------------------------------

    /// <summary>
    /// After a closing quote: whitespace that contains a newline followed by another quote continues the
    /// literal (SQL standard). Like PostgreSQL's scanner: spaces and a -- comment, a newline, then any
    /// whitespace and -- comments (block comments do not count).
    /// </summary>
    private bool TryContinueString()
    {
        int p = _pos;
        while (p < _text.Length)
        {
            if (_text[p] is ' ' or '\t' or '\f') p++;
            else if (_text[p] == '-' && p + 1 < _text.Length && _text[p + 1] == '-') while (p < _text.Length && _text[p] is not ('\n' or '\r')) p++;
            else break;
        }
        if (p >= _text.Length || _text[p] is not ('\n' or '\r')) return false;
        while (p < _text.Length)
        {
            char c = _text[p];
            if (IsWhitespace(c))
            {
                p++;
            }
            else if (c == '-' && p + 1 < _text.Length && _text[p + 1] == '-')
            {
                while (p < _text.Length && _text[p] is not ('\n' or '\r')) p++;
                if (p >= _text.Length) return false;
            }
            else
            {
                break;
            }
        }
        if (p < _text.Length && _text[p] == '\'')
        {
            _pos = p;
            return true;
        }
        return false;
    }

    private Token LexQuotedString(int start, int prefixLength, StringLiteralForm form)
    {
        _pos += prefixLength;
        var value = new StringBuilder();
        do
        {
            int bodyStart = _pos + 1;
            string raw = form == StringLiteralForm.Escape
                ? ReadEscapeStringBody(start)
                : ReadDelimitedBody('\'', start, "unterminated string literal");
            value.Append(form == StringLiteralForm.Escape ? DecodeCEscapes(raw, bodyStart) : raw);
        }
        while (TryContinueString());
        return new Token(TokenKind.String, value.ToString(), TextSpan.FromBounds(start, _pos)) { StringForm = form };
    }

    private Token LexBitString(int start, char kind)
    {
        _pos++; // B or X
        var value = new StringBuilder().Append(kind);
        do
        {
            int bodyStart = _pos + 1;
            string raw = ReadDelimitedBody('\'', start, kind == 'b' ? "unterminated bit string literal" : "unterminated hexadecimal string literal");
            for (int i = 0; i < raw.Length; i++)
            {
                char ch = raw[i];
                bool ok = kind == 'b' ? ch is '0' or '1' : char.IsAsciiHexDigit(ch);
                if (!ok)
                {
                    throw Error(bodyStart + i, kind == 'b'
                        ? $"\"{ch}\" is not a valid binary digit"
                        : $"\"{ch}\" is not a valid hexadecimal digit");
                }
            }
            value.Append(raw);
        }
        while (TryContinueString());
        return new Token(TokenKind.BitString, value.ToString(), TextSpan.FromBounds(start, _pos));
    }

    private Token LexUnicodeString(int start)
    {
        _pos += 2; // U&
        var segments = new List<(string Raw, int Offset)>();
        do
        {
            int bodyStart = _pos + 1;
            segments.Add((ReadDelimitedBody('\'', start, "unterminated string literal"), bodyStart));
        }
        while (TryContinueString());
        int end = _pos;
        char escape = ReadUescape(ref end);
        var value = new StringBuilder();
        foreach (var (raw, offset) in segments) value.Append(DecodeUnicodeEscapes(raw, escape, offset));
        _pos = end;
        return new Token(TokenKind.String, value.ToString(), TextSpan.FromBounds(start, end)) { StringForm = StringLiteralForm.Unicode };
    }

    /// <summary>Optional <c>UESCAPE 'c'</c> after a U&amp; literal; advances <paramref name="end"/> past it.</summary>
    private char ReadUescape(ref int end)
    {
        int saved = _pos;
        SkipTrivia();
        int wordStart = _pos;
        while (!AtEnd() && IsIdentContinue(Peek())) _pos++;
        if (!string.Equals(_text[wordStart.._pos], "uescape", StringComparison.OrdinalIgnoreCase))
        {
            _pos = saved;
            return '\\';
        }
        SkipTrivia();
        if (Peek() != '\'') throw Error(_pos, "UESCAPE must be followed by a simple string literal");
        int litStart = _pos;
        string raw = ReadDelimitedBody('\'', litStart, "unterminated string literal");
        if (raw.Length != 1 || char.IsAsciiHexDigit(raw[0]) || raw[0] is '+' or '\'' or '"' || IsWhitespace(raw[0]))
        {
            throw Error(litStart, "invalid Unicode escape character");
        }
        end = _pos;
        _pos = saved;
        return raw[0];
    }

    private string DecodeUnicodeEscapes(string raw, char escape, int rawOffset)
    {
        var sb = new StringBuilder(raw.Length);
        int? pendingHigh = null;
        int pendingAt = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c != escape)
            {
                if (pendingHigh is not null) throw Error(rawOffset + pendingAt, "invalid Unicode surrogate pair");
                sb.Append(c);
                continue;
            }
            if (i + 1 < raw.Length && raw[i + 1] == escape)
            {
                if (pendingHigh is not null) throw Error(rawOffset + pendingAt, "invalid Unicode surrogate pair");
                sb.Append(escape);
                i++;
                continue;
            }
            int digits = i + 1 < raw.Length && raw[i + 1] == '+' ? 6 : 4;
            int hexStart = digits == 6 ? i + 2 : i + 1;
            if (hexStart + digits > raw.Length || !raw.AsSpan(hexStart, digits).ContainsOnlyHex())
            {
                throw Error(rawOffset + i, "invalid Unicode escape (must be \\XXXX or \\+XXXXXX)");
            }
            int code = int.Parse(raw.AsSpan(hexStart, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            AppendCodePoint(sb, code, ref pendingHigh, ref pendingAt, i, rawOffset);
            i = hexStart + digits - 1;
        }
        if (pendingHigh is not null) throw Error(rawOffset + pendingAt, "invalid Unicode surrogate pair");
        return sb.ToString();
    }

    private void AppendCodePoint(StringBuilder sb, int code, ref int? pendingHigh, ref int pendingAt, int at, int rawOffset)
    {
        if (pendingHigh is int high)
        {
            if (code is < 0xDC00 or > 0xDFFF) throw Error(rawOffset + pendingAt, "invalid Unicode surrogate pair");
            sb.Append(char.ConvertFromUtf32(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)));
            pendingHigh = null;
            return;
        }
        if (code is >= 0xD800 and <= 0xDBFF)
        {
            pendingHigh = code;
            pendingAt = at;
            return;
        }
        if (code is >= 0xDC00 and <= 0xDFFF) throw Error(rawOffset + at, "invalid Unicode surrogate pair");
        if (code == 0 || code > 0x10FFFF) throw Error(rawOffset + at, "invalid Unicode escape value");
        sb.Append(char.ConvertFromUtf32(code));
    }

    /// <summary>Decodes E'...' backslash escapes. Octal/hex escapes produce bytes, so the result is built as UTF-8.</summary>
    private string DecodeCEscapes(string raw, int rawOffset)
    {
        var bytes = new List<byte>(raw.Length);
        Span<byte> utf8 = stackalloc byte[4];
        int? pendingHigh = null;
        int pendingAt = 0;
        var unicode = new StringBuilder();

        void AppendText(string s)
        {
            foreach (var b in Encoding.UTF8.GetBytes(s)) bytes.Add(b);
        }

        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            bool isUnicodeEscape = c == '\\' && i + 1 < raw.Length && raw[i + 1] is 'u' or 'U';
            if (pendingHigh is not null && !isUnicodeEscape) throw Error(rawOffset + pendingAt, "invalid Unicode surrogate pair");
            if (c != '\\')
            {
                if (char.IsSurrogatePair(raw, i))
                {
                    AppendText(raw.Substring(i, 2));
                    i++;
                }
                else
                {
                    AppendText(c.ToString());
                }
                continue;
            }
            if (i + 1 >= raw.Length)
            {
                // A trailing backslash escaped the closing quote in PostgreSQL's reading; ours ended the string.
                throw Error(rawOffset + i, "unterminated string literal");
            }
            char e = raw[++i];
            switch (e)
            {
                case 'b': bytes.Add(0x08); break;
                case 'f': bytes.Add(0x0C); break;
                case 'n': bytes.Add(0x0A); break;
                case 'r': bytes.Add(0x0D); break;
                case 't': bytes.Add(0x09); break;
                case >= '0' and <= '7':
                {
                    int value = 0, n = 0;
                    while (n < 3 && i < raw.Length && raw[i] is >= '0' and <= '7')
                    {
                        value = value * 8 + (raw[i] - '0');
                        i++;
                        n++;
                    }
                    i--;
                    if ((value & 0xFF) == 0) throw Error(rawOffset + i, "invalid byte sequence: \\0 is not allowed in text");
                    bytes.Add((byte)(value & 0xFF));
                    break;
                }
                case 'x' when i + 1 < raw.Length && char.IsAsciiHexDigit(raw[i + 1]):
                {
                    int value = 0, n = 0;
                    i++;
                    while (n < 2 && i < raw.Length && char.IsAsciiHexDigit(raw[i]))
                    {
                        value = value * 16 + Convert.ToInt32(raw[i].ToString(), 16);
                        i++;
                        n++;
                    }
                    i--;
                    if (value == 0) throw Error(rawOffset + i, "invalid byte sequence: \\x00 is not allowed in text");
                    bytes.Add((byte)value);
                    break;
                }
                case 'u' or 'U':
                {
                    int digits = e == 'u' ? 4 : 8;
                    if (i + 1 + digits > raw.Length || !raw.AsSpan(i + 1, digits).ContainsOnlyHex())
                    {
                        throw Error(rawOffset + i - 1, "invalid Unicode escape (must be \\uXXXX or \\UXXXXXXXX)");
                    }
                    long code = long.Parse(raw.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (code > 0x10FFFF) throw Error(rawOffset + i - 1, "invalid Unicode escape value");
                    unicode.Clear();
                    AppendCodePoint(unicode, (int)code, ref pendingHigh, ref pendingAt, i - 1, rawOffset);
                    if (unicode.Length > 0) AppendText(unicode.ToString());
                    i += digits;
                    break;
                }
                default:
                    // Any other escaped character stands for itself (\\, \', \", \v -> v, ...).
                    if (char.IsSurrogatePair(raw, i))
                    {
                        AppendText(raw.Substring(i, 2));
                        i++;
                    }
                    else
                    {
                        AppendText(e.ToString());
                    }
                    break;
            }
        }
        if (pendingHigh is not null) throw Error(rawOffset + pendingAt, "invalid Unicode surrogate pair");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw Error(rawOffset - 2, "invalid byte sequence for encoding \"UTF8\" in escape string");
        }
    }

    private Token LexDollarString(int start)
    {
        // $tag$ where tag is empty or [A-Za-z_\x80-][A-Za-z0-9_\x80-]*
        int p = _pos + 1;
        if (p < _text.Length && (char.IsAsciiLetter(_text[p]) || _text[p] == '_' || _text[p] >= 0x80))
        {
            p++;
            while (p < _text.Length && (char.IsAsciiLetterOrDigit(_text[p]) || _text[p] == '_' || _text[p] >= 0x80)) p++;
        }
        if (p >= _text.Length || _text[p] != '$') throw Error(start, "unexpected character \"$\"");
        string delimiter = _text[start..(p + 1)];
        int bodyStart = p + 1;
        int close = _text.IndexOf(delimiter, bodyStart, StringComparison.Ordinal);
        if (close < 0) throw Error(start, "unterminated dollar-quoted string");
        _pos = close + delimiter.Length;
        return new Token(TokenKind.String, _text[bodyStart..close], TextSpan.FromBounds(start, _pos)) { StringForm = StringLiteralForm.Dollar };
    }

    // ---- numbers and parameters --------------------------------------------------------------

    private Token LexNumber(int start)
    {
        bool isNumeric = false;
        while (char.IsAsciiDigit(Peek())) _pos++;
        if (Peek() == '.' && Peek(1) != '.')
        {
            isNumeric = true;
            _pos++;
            while (char.IsAsciiDigit(Peek())) _pos++;
        }
        if (Peek() is 'e' or 'E')
        {
            int p = _pos + 1;
            if (p < _text.Length && _text[p] is '+' or '-') p++;
            if (p < _text.Length && char.IsAsciiDigit(_text[p]))
            {
                isNumeric = true;
                _pos = p;
                while (char.IsAsciiDigit(Peek())) _pos++;
            }
            else
            {
                throw Error(start, "trailing junk after numeric literal");
            }
        }
        if (!AtEnd() && IsIdentStart(Peek())) throw Error(start, "trailing junk after numeric literal");
        string text = _text[start.._pos];
        return new Token(isNumeric ? TokenKind.Numeric : TokenKind.Integer, text, TextSpan.FromBounds(start, _pos));
    }

    private Token LexParam(int start)
    {
        _pos++; // $
        while (char.IsAsciiDigit(Peek())) _pos++;
        if (!AtEnd() && IsIdentContinue(Peek())) throw Error(start, "trailing junk after parameter");
        string digits = _text[(start + 1).._pos];
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n == 0)
        {
            throw Error(start, $"there is no parameter {digits}");
        }
        return new Token(TokenKind.Param, n.ToString(CultureInfo.InvariantCulture), TextSpan.FromBounds(start, _pos));
    }

    // ---- operators ---------------------------------------------------------------------------

    private Token LexOperator(int start)
    {
        int end = _pos;
        while (end < _text.Length && OpChars.Contains(_text[end])) end++;
        int length = end - start;

        // A comment start inside the run ends the operator.
        for (int i = start; i < end - 1; i++)
        {
            if ((_text[i] == '-' && _text[i + 1] == '-') || (_text[i] == '/' && _text[i + 1] == '*'))
            {
                length = i - start;
                break;
            }
        }

        // SQL compatibility: '+'/'-' may end a multi-character operator only if it contains a non-SQL operator char.
        if (length > 1 && _text[start + length - 1] is '+' or '-')
        {
            bool keep = false;
            for (int i = start + length - 2; i >= start; i--)
            {
                if (NonSqlOpChars.Contains(_text[i]))
                {
                    keep = true;
                    break;
                }
            }
            if (!keep)
            {
                do length--;
                while (length > 1 && _text[start + length - 1] is '+' or '-');
            }
        }

        string op = _text.Substring(start, length);
        _pos = start + length;
        var span = new TextSpan(start, length);
        if (length == 2)
        {
            switch (op)
            {
                case "=>": return new Token(TokenKind.EqualsGreater, op, span);
                case "!=": return new Token(TokenKind.Operator, "<>", span);
            }
        }
        if (length >= 64) throw Error(start, "operator too long");
        return new Token(TokenKind.Operator, op, span);
    }
}

internal static class SpanHexExtensions
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> span)
    {
        foreach (char c in span)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }
}
