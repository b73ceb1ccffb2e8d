using System.Globalization;
using System.Text.RegularExpressions;

namespace TViews.Cli.Bench;

/// <summary>One pgbench script of a concurrent workload, relative to the workload directory, with its pgbench weight.</summary>
public sealed record WeightedScript(string File, int Weight = 1);

/// <summary>
/// A workload of concurrent/README.md: pgbench scripts run by several clients at once for a fixed
/// time, throughput in transactions per second.
/// </summary>
/// <param name="Name">What --concurrent-workloads selects it by.</param>
/// <param name="Title">The README's name for it.</param>
public sealed record ConcurrentWorkload(string Name, string Title, string Description, IReadOnlyList<WeightedScript> Scripts)
{
    public const string AppMix = "app-mix";
    public const string Deletes = "deletes";
    public const string Think = "think";
    public const string UnitOfWork = "unit-of-work";

    /// <summary>The workloads of concurrent/README.md, in the order they run.</summary>
    public static readonly IReadOnlyList<ConcurrentWorkload> All =
    [
        new(AppMix, "app mix", "writers of different rows",
            [new("ops/op1_post_title.sql", 4), new("ops/op2_post_viewcount.sql", 3), new("ops/op3_comment_insert.sql", 4), new("ops/op4_user_rename.sql", 1)]),
        // Writers that reach the read models in different orders: any deadlock among them is a defect of the maintenance.
        new(Deletes, "with deletes", "single-statement transactions touching the read models in different orders",
            [new("ops/op1_post_title.sql"), new("concurrent/comment_insert_low.sql"), new("ops/op4_user_rename.sql"), new("concurrent/post_delete_high.sql")]),
        new(Think, "think time", "an UPDATE, 5 ms of application work, COMMIT",
            [new("concurrent/think_post_title.sql")]),
        new(UnitOfWork, "unit of work", "five statements over three tables per transaction",
            [new("transactions/op10_unit_of_work.sql")]),
    ];

    /// <summary>The --concurrent-workloads option: names from <see cref="All"/> (comma-separated); all when empty.</summary>
    public static IReadOnlyList<ConcurrentWorkload> Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return All;
        var wanted = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(w => All.FirstOrDefault(x => string.Equals(x.Name, w, StringComparison.OrdinalIgnoreCase))
                         ?? throw new ArgumentException($"--concurrent-workloads: unknown workload '{w}'; workloads: {string.Join(", ", All.Select(x => x.Name))}"))
            .ToHashSet();
        return All.Where(wanted.Contains).ToList();
    }

    /// <summary>The first of this workload's scripts missing from <paramref name="directory"/>, or null when it has them all.</summary>
    public string? MissingFile(string directory) =>
        Scripts.Select(s => Path.Combine(directory, s.File)).FirstOrDefault(p => !File.Exists(p));

    /// <summary>pgbench arguments for one run: C clients for S seconds, deadlocks and serialization failures retried.</summary>
    public IReadOnlyList<string> PgbenchArguments(string directory, int clients, int seconds, long posts, long users, int seed)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "-n", "-c", clients.ToString(inv), "-j", clients.ToString(inv), "-T", seconds.ToString(inv), "--max-tries=50",
            "-D", $"posts={posts.ToString(inv)}", "-D", $"users={users.ToString(inv)}", $"--random-seed={seed.ToString(inv)}",
        };
        foreach (var s in Scripts)
        {
            args.Add("-f");
            var path = Path.Combine(directory, s.File);
            args.Add(Scripts.Count > 1 ? $"{path}@{s.Weight.ToString(inv)}" : path);
        }
        return args;
    }
}

/// <summary>One run of a concurrent workload: throughput, and the deadlocks PostgreSQL counted in the database meanwhile.</summary>
public sealed record ConcurrentResult(
    string Workload, string Mode, int Clients, int Seconds, double? Tps, long? Transactions, long? Retried, long? Failed, long? Deadlocks, string? Error)
{
    /// <summary>Which of the <c>--concurrent-rounds</c> this run was (from 1).</summary>
    public int Round { get; init; } = 1;
}

/// <summary>The lines of a pgbench summary that the concurrent runs report beyond <see cref="PgbenchOutput"/>.</summary>
public static partial class PgbenchRetries
{
    /// <summary>(transactions retried, transactions failed) from the summary's first such lines (the totals).</summary>
    public static (long? Retried, long? Failed) Parse(string output)
    {
        var retried = Retried().Match(output);
        var failed = Failed().Match(output);
        return (retried.Success ? long.Parse(retried.Groups[1].Value, CultureInfo.InvariantCulture) : null,
                failed.Success ? long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    [GeneratedRegex(@"^number of transactions retried: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex Retried();

    [GeneratedRegex(@"^number of failed transactions: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex Failed();
}
