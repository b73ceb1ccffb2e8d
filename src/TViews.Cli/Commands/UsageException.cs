namespace TViews.Cli.Commands;

/// <summary>
/// A bad argument found after the command line parsed (a connection string that does not parse, a
/// SELECT given twice or not at all): reported like a parse error, exit status 2.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
