namespace TViews.Plan;

/// <summary>A NOT NULL column of a source that the proof of a TVIEW's key (never NULL) rests on.</summary>
internal sealed record NotNullColumn(string Schema, string Table, string Column);
