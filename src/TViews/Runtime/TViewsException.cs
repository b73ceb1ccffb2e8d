namespace TViews.Runtime;

/// <summary>An operation TViews refuses, with a message meant for the user (no stack trace needed).</summary>
public sealed class TViewsException(string message, Exception? inner = null) : Exception(message, inner);
