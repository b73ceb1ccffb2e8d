using System.Globalization;

namespace TViews.Tests;

/// <summary>
/// Seeds of randomized tests. By default each test uses its own fixed seed, so a commit passes or fails the
/// same way on every machine and CI never fails by chance. <c>TVIEWS_TEST_SEED=random</c> explores (each test
/// picks a time-based seed and prints it); <c>TVIEWS_TEST_SEED=&lt;n&gt;</c> replays a printed seed. Longer
/// exploration is <c>tviews fuzz</c> (docs/testing.md).
/// </summary>
public static class TestSeed
{
    public const string Variable = "TVIEWS_TEST_SEED";

    public static int Pick(int fixedSeed, int modulo = int.MaxValue)
    {
        var env = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(env)) return fixedSeed;
        if (string.Equals(env.Trim(), "random", StringComparison.OrdinalIgnoreCase))
            return (int)((DateTime.UtcNow.Ticks & int.MaxValue) % modulo);
        if (int.TryParse(env, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)) return seed;
        throw new InvalidOperationException($"{Variable} must be 'random' or an integer seed, not '{env}'.");
    }
}
