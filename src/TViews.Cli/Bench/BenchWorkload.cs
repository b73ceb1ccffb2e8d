namespace TViews.Cli.Bench;

/// <summary>How an operation writes, which decides its default transaction count and the targets that apply to it.</summary>
public enum OpKind
{
    /// <summary>One row written per transaction (op1..op5).</summary>
    SingleRow,
    /// <summary>Many rows written, or one row that fans out to thousands of read-model rows.</summary>
    Bulk,
    /// <summary>A multi-statement transaction (transactions/: op9, op10).</summary>
    Transaction,
    /// <summary>An op file this harness has no table entry for.</summary>
    Unknown,
}

/// <summary>One pgbench script of the workload.</summary>
/// <param name="Name">File name without .sql, e.g. op1_post_title.</param>
/// <param name="ShortName">The part before the first underscore, e.g. op1.</param>
/// <param name="ReadByNoModel">The op changes only a column no read model reads (the "within 1.05x of raw" target).</param>
/// <param name="DeletesRows">The op deletes source rows (op5): it runs after the others, whose scripts may name any row by number.</param>
public sealed record BenchOp(string Name, string ShortName, string Path, OpKind Kind, int DefaultTransactions, bool ReadByNoModel, bool DeletesRows = false);

/// <summary>The benchmark workload of ../shared/bench, read at run time (never copied into the project).</summary>
public sealed class BenchWorkload
{
    // Transactions per timed run, sized so one run takes at most a few seconds at scale 1 with the
    // reference figures of the workload README (op4 ~16 ms, op8 ~330 ms, op6/op7 ~2.3 s per transaction).
    // Each run is a new connection, whose first statement pays ~1 ms of cache warm-up (more with
    // PL/pgSQL triggers): the sub-millisecond ops run 2,000 times so that stays under 1 us per
    // transaction, as for an application on pooled connections.
    private static readonly Dictionary<string, (OpKind Kind, int Transactions, bool Unread)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["op1"] = (OpKind.SingleRow, 2000, false),
        ["op2"] = (OpKind.SingleRow, 2000, true),
        ["op3"] = (OpKind.SingleRow, 2000, false),
        ["op4"] = (OpKind.SingleRow, 100, false),
        ["op5"] = (OpKind.SingleRow, 200, false),
        ["op6"] = (OpKind.Bulk, 3, false),
        ["op7"] = (OpKind.Bulk, 3, false),
        ["op8"] = (OpKind.Bulk, 10, false),
        // transactions/: op9 is 50 INSERTs (~60 ms per transaction maintained immediately at scale 0.1),
        // op10 five statements (~11 ms).
        ["op9"] = (OpKind.Transaction, 50, false),
        ["op10"] = (OpKind.Transaction, 200, false),
    };

    public const int UnknownOpTransactions = 100;

    public string Directory { get; }
    public string SchemaSql => Path.Combine(Directory, "schema.sql");
    public string DataSql => Path.Combine(Directory, "data.sql");
    public string TViewsSql => Path.Combine(Directory, "tviews.sql");
    public string HandwrittenSql => Path.Combine(Directory, "handwritten.sql");
    public IReadOnlyList<BenchOp> Ops { get; }

    private BenchWorkload(string directory, IReadOnlyList<BenchOp> ops)
    {
        Directory = directory;
        Ops = ops;
    }

    /// <summary>Reads the workload directory; fails with the missing file named.</summary>
    public static BenchWorkload Load(string directory)
    {
        var dir = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"benchmark directory not found: {dir} (use --bench-dir; samples/blog in the repository is one)");
        foreach (var f in new[] { "schema.sql", "data.sql", "tviews.sql", "handwritten.sql" })
            if (!File.Exists(Path.Combine(dir, f))) throw new FileNotFoundException($"benchmark file not found: {Path.Combine(dir, f)}");
        var opsDir = Path.Combine(dir, "ops");
        if (!System.IO.Directory.Exists(opsDir)) throw new DirectoryNotFoundException($"benchmark operations not found: {opsDir}");
        // transactions/ (multi-statement transactions) runs like ops/ when the workload has it.
        var transactionsDir = Path.Combine(dir, "transactions");
        var files = System.IO.Directory.GetFiles(opsDir, "*.sql")
            .Concat(System.IO.Directory.Exists(transactionsDir) ? System.IO.Directory.GetFiles(transactionsDir, "*.sql") : []);
        var ops = files
            .Select(p => DescribeOp(p))
            .OrderBy(o => o.ShortName.Length).ThenBy(o => o.ShortName, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)
            .ToList();
        if (ops.Count == 0) throw new FileNotFoundException($"no operations (*.sql) in {opsDir}");
        var duplicate = ops.GroupBy(o => o.ShortName, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"two operations named {duplicate.Key}: {string.Join(", ", duplicate.Select(o => o.Path))}");
        return new BenchWorkload(dir, ops);
    }

    public static BenchOp DescribeOp(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var underscore = name.IndexOf('_');
        var shortName = underscore > 0 ? name[..underscore] : name;
        return Known.TryGetValue(shortName, out var k)
            ? new BenchOp(name, shortName, path, k.Kind, k.Transactions, k.Unread, string.Equals(shortName, "op5", StringComparison.OrdinalIgnoreCase))
            : new BenchOp(name, shortName, path, OpKind.Unknown, UnknownOpTransactions, false);
    }

    /// <summary>
    /// The ops named in <paramref name="spec"/> ("op1,op3" or full file names), in workload order;
    /// all when spec is empty.
    /// </summary>
    public static IReadOnlyList<BenchOp> SelectOps(IReadOnlyList<BenchOp> all, string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return all;
        var wanted = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var selected = new HashSet<BenchOp>();
        foreach (var w in wanted)
        {
            var name = w.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) ? w[..^4] : w;
            var match = all.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase))
                        ?? all.FirstOrDefault(o => string.Equals(o.ShortName, name, StringComparison.OrdinalIgnoreCase))
                        ?? throw new ArgumentException($"unknown operation '{w}'; available: {string.Join(", ", all.Select(o => o.ShortName))}");
            selected.Add(match);
        }
        return all.Where(selected.Contains).ToList();
    }

    /// <summary>
    /// The order the ops run in: the workload's, except that ops deleting rows (op5) come last. op9 and
    /// op10 insert comments on a random post by number, which fails on a post op5 deleted.
    /// </summary>
    public static IReadOnlyList<BenchOp> ExecutionOrder(IReadOnlyList<BenchOp> ops) =>
        ops.Where(o => !o.DeletesRows).Concat(ops.Where(o => o.DeletesRows)).ToList();

    /// <summary>The directory holding TViews.slnx, walking up from each start directory in turn.</summary>
    public static string? FindRepoRoot(IEnumerable<string> starts)
    {
        foreach (var start in starts)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "TViews.slnx"))) return dir.FullName;
        return null;
    }

    /// <summary>../shared/bench beside the repository root found from the current directory or the executable.</summary>
    public static string DefaultDirectory()
    {
        var root = FindRepoRoot([System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory])
                   ?? throw new DirectoryNotFoundException("repository root (TViews.slnx) not found above the current directory or the executable; use --bench-dir");
        return Path.GetFullPath(Path.Combine(root, "..", "shared", "bench"));
    }
}

/// <summary>
/// The --transactions option: "N" for every op, "op8=20" for one op, or both ("100,op8=5");
/// ops not named keep their defaults.
/// </summary>
public sealed record TransactionSpec(int? All, IReadOnlyDictionary<string, int> PerOp)
{
    public static readonly TransactionSpec Default = new(null, new Dictionary<string, int>());

    public static TransactionSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Default;
        int? all = null;
        var perOp = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq < 0) all = Positive(part, part);
            else perOp[part[..eq].Trim()] = Positive(part[(eq + 1)..].Trim(), part);
        }
        return new TransactionSpec(all, perOp);
    }

    private static int Positive(string number, string part) =>
        int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"--transactions: '{part}' is not a positive count (use N, op=N, or a comma list of them)");

    public int For(BenchOp op) =>
        PerOp.TryGetValue(op.ShortName, out var n) || PerOp.TryGetValue(op.Name, out n) ? n : All ?? op.DefaultTransactions;
}
