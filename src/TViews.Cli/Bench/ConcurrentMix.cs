using System.Globalization;
using System.Text.RegularExpressions;

namespace TViews.Cli.Bench;

/// <summary>
/// The "with deletes" mix of concurrent/README.md: post-title updates, comment inserts on posts that
/// are never deleted, user renames and deletes of the other posts, each statement its own
/// transaction, several pgbench clients at once. Writers that reach the read models in different
/// orders: any deadlock among them is a defect of the maintenance, not of the application.
/// </summary>
public sealed record ConcurrentMix(IReadOnlyList<string> Scripts)
{
    /// <summary>The scripts, relative to the workload directory.</summary>
    public static readonly IReadOnlyList<string> Files =
        ["ops/op1_post_title.sql", "concurrent/comment_insert_low.sql", "ops/op4_user_rename.sql", "concurrent/post_delete_high.sql"];

    /// <summary>The mix of a workload directory, or null (with the first missing file) when it has none.</summary>
    public static (ConcurrentMix? Mix, string? Missing) Find(string directory)
    {
        var paths = Files.Select(f => Path.Combine(directory, f)).ToList();
        var missing = paths.FirstOrDefault(p => !File.Exists(p));
        return missing is null ? (new ConcurrentMix(paths), null) : (null, missing);
    }

    /// <summary>pgbench arguments for one run: C clients for S seconds, deadlocks and serialization failures retried.</summary>
    public IReadOnlyList<string> PgbenchArguments(int clients, int seconds, long posts, long users, int seed)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "-n", "-c", clients.ToString(inv), "-j", clients.ToString(inv), "-T", seconds.ToString(inv), "--max-tries=50",
            "-D", $"posts={posts.ToString(inv)}", "-D", $"users={users.ToString(inv)}", $"--random-seed={seed.ToString(inv)}",
        };
        foreach (var s in Scripts) { args.Add("-f"); args.Add(s); }
        return args;
    }
}

/// <summary>One run of the mix: throughput, and the deadlocks PostgreSQL counted in the database meanwhile.</summary>
public sealed record ConcurrentResult(
    string Mode, int Clients, int Seconds, double? Tps, long? Transactions, long? Retried, long? Failed, long? Deadlocks, string? Error);

/// <summary>The lines of a pgbench summary that the mix reports beyond <see cref="PgbenchOutput"/>.</summary>
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
