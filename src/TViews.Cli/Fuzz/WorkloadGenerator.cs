namespace TViews.Cli.Fuzz;

/// <summary>
/// Random multi-statement transactions over a generated schema, decided from the seed alone (never
/// from the database's state, so a case replays identically and shrinks by dropping statements):
/// INSERT (guarded by EXISTS on parents, or not, to fail), INSERT ... ON CONFLICT DO UPDATE, UPDATE
/// of values, references and key columns, DELETE, writable CTEs changing two or three tables in one
/// statement, TRUNCATE (sometimes CASCADE), delete and re-insert of one key, savepoints rolled back
/// to or released, statements that fail inside a savepoint, and whole-transaction rollbacks. Keys
/// come from the same small domains as the seed rows, so statements usually hit rows.
/// </summary>
/// <remarks>
/// With <paramref name="singleStatements"/>, every transaction is one statement (a write, or one that
/// fails), committed: the shape whose locks TViews orders (docs/design.md, "One lock order"), so that a
/// concurrent run's deadlocks through TViews' locks are TViews' own.
/// </remarks>
public sealed class WorkloadGenerator(Random rng, FuzzSchema schema, bool singleStatements = false)
{
    private readonly List<FuzzTable> _tables = schema.Tables.ToList();

    private bool Chance(double p) => rng.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> list) => list[rng.Next(list.Count)];

    public List<FuzzTransaction> Generate(int count) => Enumerable.Range(0, count).Select(_ => Transaction()).ToList();

    public FuzzTransaction Transaction()
    {
        if (singleStatements) return new FuzzTransaction([Chance(0.05) ? Failing() : Statement()], false);
        var statements = new List<FuzzStatement>();
        var savepoints = 0;
        for (var n = 1 + rng.Next(4); n > 0; n--)
        {
            var roll = rng.NextDouble();
            if (roll < 0.07)
            {
                var name = $"s{++savepoints}";
                statements.Add(new FuzzStatement($"SAVEPOINT {name}", false, []));
                for (var i = 1 + rng.Next(2); i > 0; i--) statements.Add(Statement());
                statements.Add(new FuzzStatement(Chance(0.6) ? $"ROLLBACK TO SAVEPOINT {name}" : $"RELEASE SAVEPOINT {name}", false, []));
            }
            else if (roll < 0.12) statements.Add(Failing());
            else if (roll < 0.17) statements.AddRange(DeleteAndReinsert());
            else statements.Add(Statement());
        }
        return new FuzzTransaction(statements, Chance(0.07));
    }

    // ------------------------------------------------------------------ keys and values

    /// <summary>A key of <paramref name="t"/> as literals, sometimes just outside the seeded domain (new rows).</summary>
    private string[] Key(FuzzTable t)
    {
        if (t.Role == TableRole.Link)
            return t.ForeignKeys.SelectMany(f => Key(schema.Table(f.Target))).ToArray();
        var cols = t.KeyColumns.ToList();
        var spread = cols.Count == 1 ? 3 : 1;
        return cols.Select(c => FuzzValues.Key(c.Key, 1 + rng.Next(t.Domain + spread))).ToArray();
    }

    private static string Match(IReadOnlyList<string> columns, IReadOnlyList<string> values, string? alias = null) =>
        string.Join(" AND ", columns.Select((c, i) => $"{(alias is null ? "" : alias + ".")}{c} = {values[i]}"));

    private static string Exists(FuzzTable parent, IReadOnlyList<string> key) =>
        $"EXISTS (SELECT 1 FROM {parent.Name} WHERE {Match(parent.PrimaryKey, key)})";

    private string Value(FuzzColumn c) => SchemaGenerator.RandomValue(c, rng);

    /// <summary>Which rows an UPDATE or DELETE touches: one key (usually), or a few rows by value.</summary>
    private string Where(FuzzTable t)
    {
        if (Chance(0.65) || !t.ValueColumns.Any()) return Match(t.PrimaryKey, Key(t));
        var c = Pick(t.ValueColumns.ToList());
        return c.Kind switch
        {
            ColumnKind.Flag => Chance(0.5) ? c.Name : $"NOT {c.Name}",
            ColumnKind.Category => $"{c.Name} = {Pick(FuzzValues.Categories)}",
            ColumnKind.Name => Chance(0.3) ? $"{c.Name} IS NULL" : $"{c.Name} = {FuzzValues.Name(rng.Next(6))}",
            ColumnKind.Value or ColumnKind.Touched or ColumnKind.Count => $"{c.Name} {Pick(new[] { ">", "<", "=" })} {FuzzValues.Int(rng.Next(10))}",
            _ => $"{c.Name} > {FuzzValues.Int(rng.Next(60))}",
        };
    }

    private static string Assign(FuzzColumn c, Random rng) => c.Kind switch
    {
        ColumnKind.Value or ColumnKind.Count => rng.Next(3) switch
        {
            0 => $"{c.Name} = {c.Name} + 1",
            1 => $"{c.Name} = NULL",
            _ => $"{c.Name} = {FuzzValues.Int(rng.Next(10))}",
        },
        ColumnKind.Flag => $"{c.Name} = NOT {c.Name}",
        ColumnKind.Amount => rng.Next(2) == 0 ? $"{c.Name} = {c.Name} + 1" : $"{c.Name} = {SchemaGenerator.RandomValue(c, rng)}",
        _ => $"{c.Name} = {SchemaGenerator.RandomValue(c, rng)}",
    };

    /// <summary>Tables whose foreign keys point at <paramref name="t"/>, with the key.</summary>
    private IEnumerable<(FuzzTable Child, FuzzForeignKey Fk)> Referencing(FuzzTable t) =>
        _tables.SelectMany(c => c.ForeignKeys.Where(f => f.Target == t.Name).Select(f => (c, f)));

    // ------------------------------------------------------------------ statements

    private FuzzStatement Statement()
    {
        var t = PickTable();
        var roll = rng.Next(100);
        return roll switch
        {
            < 20 => Insert(t, upsert: false),
            < 27 => Insert(t, upsert: true),
            < 30 => BulkInsert() ?? Insert(t, upsert: false),
            < 46 => UpdateValues(t),
            < 50 => UpdateFromParent(t) ?? UpdateValues(t),
            < 57 => UpdateReference(t) ?? UpdateValues(t),
            < 63 => UpdateKey(t) ?? UpdateValues(t),
            < 76 => Delete(t),
            < 80 => DeleteByParent(t) ?? Delete(t),
            < 98 => Cte() ?? Delete(t),
            _ => Truncate(t),
        };
    }

    /// <summary>Counters are mostly written by their trigger; statements on them are rare.</summary>
    private FuzzTable PickTable()
    {
        var t = Pick(_tables);
        return t.Role == TableRole.Counter && Chance(0.7) ? Pick(_tables) : t;
    }

    /// <summary>
    /// INSERT of one row. References usually come from EXISTS-guarded parents (the row is skipped when
    /// the parent is missing); <paramref name="unguarded"/> leaves them unchecked so the statement can fail.
    /// </summary>
    private FuzzStatement Insert(FuzzTable t, bool upsert, bool unguarded = false, string[]? key = null)
    {
        key ??= Key(t);
        var cols = new List<string>(t.PrimaryKey);
        var values = new List<string>(key);
        var guards = new List<string>();
        var tables = new List<string> { t.Name };
        foreach (var fk in t.ForeignKeys)
        {
            if (fk.Columns.Any(cols.Contains))
            {
                // link tables: the reference is part of the key
                var pk = fk.Columns.Select(c => values[cols.IndexOf(c)]).ToList();
                if (!unguarded) guards.Add(Exists(schema.Table(fk.Target), pk));
                tables.Add(fk.Target);
                continue;
            }
            var parent = schema.Table(fk.Target);
            var nullable = fk.Columns.All(c => !t.Column(c).NotNull);
            string[]? pkey = nullable && Chance(0.25) ? null : unguarded && Chance(0.5) ? parent.KeyColumns.Select(c => FuzzValues.Key(c.Key, 50 + rng.Next(5))).ToArray() : Key(parent);
            for (var i = 0; i < fk.Columns.Count; i++) { cols.Add(fk.Columns[i]); values.Add(pkey?[i] ?? "NULL"); }
            if (pkey is not null && !unguarded) guards.Add(Exists(parent, pkey));
            tables.Add(parent.Name);
        }
        foreach (var c in t.ValueColumns.Where(c => c.Kind != ColumnKind.Touched)) { cols.Add(c.Name); values.Add(Value(c)); }
        // Addressed to a partition, a row whose key hashes to another one fails: guarded.
        var into = Addressed(t);
        unguarded |= into != t.Name;
        var sql = $"INSERT INTO {into} ({string.Join(", ", cols)}) SELECT {string.Join(", ", values)}";
        if (guards.Count > 0) sql += $" WHERE {string.Join(" AND ", guards.Distinct())}";
        var updatable = cols.Where(c => !t.PrimaryKey.Contains(c) && (!unguarded || !t.ForeignKeys.Any(f => f.Columns.Contains(c)))).ToList();
        if (upsert && updatable.Count > 0)
        {
            var set = updatable.OrderBy(_ => rng.Next()).Take(1 + rng.Next(updatable.Count))
                .Select(c => Chance(0.7) || t.Column(c).Kind is not (ColumnKind.Value or ColumnKind.Count) ? $"{c} = EXCLUDED.{c}" : $"{c} = {into}.{c} + 1");
            // A reference taken from EXCLUDED was checked by the guard; values only otherwise.
            sql += $" ON CONFLICT ({string.Join(", ", t.PrimaryKey)}) DO UPDATE SET {string.Join(", ", set)}";
        }
        else sql += " ON CONFLICT DO NOTHING";
        return new FuzzStatement(sql, unguarded, tables.Distinct().ToList());
    }

    private FuzzStatement UpdateValues(FuzzTable t)
    {
        var values = t.ValueColumns.Where(c => c.Kind != ColumnKind.Touched || Chance(0.2)).ToList();
        if (values.Count == 0) return Delete(t);
        var set = values.OrderBy(_ => rng.Next()).Take(1 + rng.Next(Math.Min(2, values.Count))).Select(c => Assign(c, rng));
        return new FuzzStatement($"UPDATE {Addressed(t)} SET {string.Join(", ", set)} WHERE {Where(t)}", false, [t.Name]);
    }

    /// <summary>The table a statement names: a partitioned table itself, or now and then one of its partitions.</summary>
    private string Addressed(FuzzTable t) => t.Partitions > 0 && Chance(0.4) ? Pick(t.PartitionNames.ToList()) : t.Name;

    /// <summary>Moves rows to another parent (EXISTS-guarded), or to none when the reference is nullable.</summary>
    private FuzzStatement? UpdateReference(FuzzTable t)
    {
        var fks = t.ForeignKeys.Where(f => !f.Columns.Any(t.PrimaryKey.Contains)).ToList();
        if (fks.Count == 0) return null;
        var fk = Pick(fks);
        var parent = schema.Table(fk.Target);
        if (fk.Columns.All(c => !t.Column(c).NotNull) && Chance(0.3))
            return new FuzzStatement($"UPDATE {t.Name} SET {string.Join(", ", fk.Columns.Select(c => c + " = NULL"))} WHERE {Where(t)}", false, [t.Name]);
        var key = Key(parent);
        var set = string.Join(", ", fk.Columns.Select((c, i) => $"{c} = {key[i]}"));
        return new FuzzStatement($"UPDATE {t.Name} SET {set} WHERE ({Where(t)}) AND {Exists(parent, key)}", false, [t.Name, parent.Name]);
    }

    /// <summary>
    /// Changes a key (one column of a composite key; a reference column of a link). May fail when
    /// children reference the row without ON UPDATE CASCADE: then it is guarded (or, now and then, not).
    /// </summary>
    private FuzzStatement? UpdateKey(FuzzTable t)
    {
        if (t.Role == TableRole.Link)
        {
            var fk = Pick(t.ForeignKeys.ToList());
            var parent = schema.Table(fk.Target);
            var to = Key(parent);
            var from = Key(t);
            var moved = from.ToArray();
            foreach (var (c, i) in fk.Columns.Select((c, i) => (c, i))) moved[t.PrimaryKey.ToList().IndexOf(c)] = to[i];
            var set = string.Join(", ", fk.Columns.Select((c, i) => $"{c} = {to[i]}"));
            return new FuzzStatement($"UPDATE {t.Name} SET {set} WHERE {Match(t.PrimaryKey, from)} AND {Exists(parent, to)} " +
                                     $"AND NOT EXISTS (SELECT 1 FROM {t.Name} WHERE {Match(t.PrimaryKey, moved)})", false, [t.Name, parent.Name]);
        }
        var old = Key(t);
        var now = old.ToArray();
        var col = rng.Next(t.PrimaryKey.Count);
        var newKey = Key(t);
        now[col] = newKey[col];
        if (now.SequenceEqual(old)) return null;
        var canFail = Referencing(t).Any(r => !r.Fk.OnUpdateCascade);
        // Sometimes a value changes in the same UPDATE as the key (the old pair must go, the new one come).
        var values = t.ValueColumns.Where(c => c.Kind != ColumnKind.Touched).ToList();
        var also = values.Count > 0 && Chance(0.35) ? ", " + Assign(Pick(values), rng) : "";
        var sql = $"UPDATE {t.Name} SET {t.PrimaryKey[col]} = {now[col]}{also} WHERE {Match(t.PrimaryKey, old)} AND NOT EXISTS (SELECT 1 FROM {t.Name} WHERE {Match(t.PrimaryKey, now)})";
        return new FuzzStatement(sql, canFail && Chance(0.7), [t.Name]);
    }

    /// <summary>Many link rows at once: every pair of a few rows of each side.</summary>
    private FuzzStatement? BulkInsert()
    {
        var links = _tables.Where(l => l.Role == TableRole.Link).ToList();
        if (links.Count == 0) return null;
        var l = Pick(links);
        var (a, b) = (schema.Table(l.ForeignKeys[0].Target), schema.Table(l.ForeignKeys[1].Target));
        var cols = l.ForeignKeys.SelectMany(f => f.Columns).ToList();
        var values = a.PrimaryKey.Select(k => $"x.{k}").Concat(b.PrimaryKey.Select(k => $"y.{k}")).ToList();
        if (l.Columns.Any(c => c.Name == "val")) { cols.Add("val"); values.Add(FuzzValues.Int(rng.Next(10))); }
        return new FuzzStatement(
            $"INSERT INTO {l.Name} ({string.Join(", ", cols)}) SELECT {string.Join(", ", values)} FROM {a.Name} x, {b.Name} y " +
            $"WHERE x.cat = {Pick(FuzzValues.Categories)} AND y.cat = {Pick(FuzzValues.Categories)} ON CONFLICT DO NOTHING", false, [l.Name, a.Name, b.Name]);
    }

    /// <summary>UPDATE ... FROM the parent: children take a value of their parent, for a set of parents.</summary>
    private FuzzStatement? UpdateFromParent(FuzzTable t)
    {
        var fks = t.ForeignKeys.Where(f => f.Target != t.Name).ToList();
        var values = t.ValueColumns.Where(c => c.Kind is ColumnKind.Value or ColumnKind.Name or ColumnKind.Category or ColumnKind.Flag).ToList();
        if (fks.Count == 0 || values.Count == 0) return null;
        var fk = Pick(fks);
        var parent = schema.Table(fk.Target);
        var c = Pick(values);
        if (!parent.Columns.Any(p => p.Name == c.Name)) return null;
        var join = string.Join(" AND ", fk.Columns.Select((col, i) => $"p.{parent.PrimaryKey[i]} = {t.Name}.{col}"));
        return new FuzzStatement($"UPDATE {t.Name} SET {c.Name} = p.{c.Name} FROM {parent.Name} p WHERE {join} AND p.cat = {Pick(FuzzValues.Categories)}",
            false, [t.Name, parent.Name]);
    }

    /// <summary>DELETE of the children of a set of parents chosen by value.</summary>
    private FuzzStatement? DeleteByParent(FuzzTable t)
    {
        var fks = t.ForeignKeys.Where(f => f.Target != t.Name).ToList();
        if (fks.Count == 0) return null;
        var fk = Pick(fks);
        var parent = schema.Table(fk.Target);
        var refs = fk.Columns.Count == 1 ? fk.Columns[0] : $"({string.Join(", ", fk.Columns)})";
        var canFail = Referencing(t).Any(r => r.Fk.DeleteCanFail);
        return new FuzzStatement($"DELETE FROM {t.Name} WHERE {refs} IN (SELECT {string.Join(", ", parent.PrimaryKey)} FROM {parent.Name} WHERE {Where(parent)})",
            canFail && Chance(0.7), [t.Name, parent.Name]);
    }

    private FuzzStatement Delete(FuzzTable t)
    {
        var canFail = Referencing(t).Any(r => r.Fk.DeleteCanFail);
        return new FuzzStatement($"DELETE FROM {Addressed(t)} WHERE {Where(t)}", canFail && Chance(0.7), [t.Name]);
    }

    private FuzzStatement Truncate(FuzzTable t)
    {
        var referenced = Referencing(t).Any(r => r.Child.Name != t.Name);
        var cascade = referenced ? Chance(0.8) : Chance(0.2);
        var addressed = Addressed(t);
        // A partition is referenced through its table, by its table's own rows too (a self-reference).
        return new FuzzStatement($"TRUNCATE {addressed}{(cascade ? " CASCADE" : "")}", (referenced || addressed != t.Name) && !cascade, [t.Name]);
    }

    /// <summary>A statement expected to fail (a reference to a missing parent, a duplicate key), always in a savepoint.</summary>
    private FuzzStatement Failing()
    {
        var children = _tables.Where(t => t.ForeignKeys.Count > 0).ToList();
        if (children.Count > 0 && Chance(0.7))
        {
            var s = Insert(Pick(children), upsert: false, unguarded: true);
            return s with { Guarded = true };
        }
        var t = Pick(_tables);
        var key = Key(t);
        var cols = new List<string>(t.PrimaryKey);
        var values = new List<string>(key);
        // Insert the same key twice in one statement: a unique violation whether or not it existed.
        var row = $"({string.Join(", ", values)})";
        return new FuzzStatement($"INSERT INTO {t.Name} ({string.Join(", ", cols)}) VALUES {row}, {row}", true, [t.Name]);
    }

    /// <summary>Delete a key and insert it again (new values) in the same transaction.</summary>
    private IEnumerable<FuzzStatement> DeleteAndReinsert()
    {
        var t = Pick(_tables.Where(x => x.Role != TableRole.Counter).ToList());
        var key = Key(t);
        var canFail = Referencing(t).Any(r => r.Fk.DeleteCanFail);
        yield return new FuzzStatement($"DELETE FROM {t.Name} WHERE {Match(t.PrimaryKey, key)}", canFail, [t.Name]);
        yield return Insert(t, upsert: Chance(0.3), key: key);
    }

    /// <summary>Writable CTEs: several tables changed by one statement, each seeing the statement's snapshot.</summary>
    private FuzzStatement? Cte()
    {
        var edges = _tables.SelectMany(c => c.ForeignKeys.Where(f => f.Target != c.Name).Select(f => (Child: c, Fk: f, Parent: schema.Table(f.Target)))).ToList();
        if (edges.Count == 0) return null;
        var (child, fk, parent) = Pick(edges);
        var pk = string.Join(", ", parent.PrimaryKey);
        var refs = fk.Columns.Count == 1 ? fk.Columns[0] : $"({string.Join(", ", fk.Columns)})";
        var canFail = Referencing(parent).Any(r => r.Fk.DeleteCanFail && r.Child.Name != child.Name) || Referencing(child).Any(r => r.Fk.DeleteCanFail);
        switch (rng.Next(5))
        {
            case 0:
                // parent and its children deleted by one statement (no FK action needed)
                return new FuzzStatement(
                    $"WITH d AS (DELETE FROM {parent.Name} WHERE {Where(parent)} RETURNING {pk})\nDELETE FROM {child.Name} WHERE {refs} IN (SELECT {pk} FROM d)",
                    Chance(0.8) || canFail, [parent.Name, child.Name]);
            case 1 when !child.ForeignKeys.Any(f => f != fk && f.Columns.Any(c => child.Column(c).NotNull && !child.PrimaryKey.Contains(c))):
            {
                // a parent and a child inserted by one statement
                var pkey = Key(parent);
                var pcols = new List<string>(parent.PrimaryKey);
                var pvals = new List<string>(pkey);
                foreach (var f in parent.ForeignKeys)
                    foreach (var c in f.Columns) { pcols.Add(c); pvals.Add("NULL"); }
                foreach (var c in parent.ValueColumns.Where(c => c.Kind != ColumnKind.Touched)) { pcols.Add(c.Name); pvals.Add(Value(c)); }
                var ccols = new List<string>();
                var cvals = new List<string>();
                var ckey = Key(child);
                for (var i = 0; i < child.PrimaryKey.Count; i++)
                {
                    var c = child.PrimaryKey[i];
                    if (fk.Columns.Contains(c)) continue;
                    ccols.Add(c);
                    cvals.Add(ckey[i]);
                }
                for (var i = 0; i < fk.Columns.Count; i++) { ccols.Add(fk.Columns[i]); cvals.Add($"p.{parent.PrimaryKey[i]}"); }
                var guards = new List<string>();
                foreach (var f in child.ForeignKeys.Where(f => f != fk))
                {
                    if (f.Columns.Any(ccols.Contains)) continue;
                    foreach (var c in f.Columns) { ccols.Add(c); cvals.Add("NULL"); }
                }
                foreach (var f in child.ForeignKeys.Where(f => f != fk && f.Columns.Any(c => child.PrimaryKey.Contains(c))))
                    guards.Add(Exists(schema.Table(f.Target), f.Columns.Select(c => cvals[ccols.IndexOf(c)]).ToList()));
                foreach (var c in child.ValueColumns.Where(c => c.Kind != ColumnKind.Touched)) { ccols.Add(c.Name); cvals.Add(Value(c)); }
                // parent columns that are NOT NULL references make the parent insert fail: guarded
                var parentCanFail = parent.ForeignKeys.Any(f => f.Columns.Any(c => parent.Column(c).NotNull));
                return new FuzzStatement(
                    $"WITH p AS (INSERT INTO {parent.Name} ({string.Join(", ", pcols)}) VALUES ({string.Join(", ", pvals)}) ON CONFLICT DO NOTHING RETURNING {pk})\n" +
                    $"INSERT INTO {child.Name} ({string.Join(", ", ccols)}) SELECT {string.Join(", ", cvals)} FROM p{(guards.Count > 0 ? " WHERE " + string.Join(" AND ", guards) : "")} ON CONFLICT DO NOTHING",
                    parentCanFail, [parent.Name, child.Name]);
            }
            case 2:
            {
                // a parent updated and its children moved or changed in one statement
                var nullable = fk.Columns.All(c => !child.Column(c).NotNull) && !fk.Columns.Any(child.PrimaryKey.Contains);
                var childValues = child.ValueColumns.Where(c => c.Kind != ColumnKind.Touched).ToList();
                var childSet = nullable && Chance(0.5) ? string.Join(", ", fk.Columns.Select(c => c + " = NULL"))
                    : childValues.Count > 0 ? Assign(Pick(childValues), rng) : null;
                var parentValues = parent.ValueColumns.Where(c => c.Kind != ColumnKind.Touched).ToList();
                if (childSet is null || parentValues.Count == 0) return null;
                return new FuzzStatement(
                    $"WITH a AS (UPDATE {parent.Name} SET {Assign(Pick(parentValues), rng)} WHERE {Where(parent)} RETURNING {pk})\n" +
                    $"UPDATE {child.Name} SET {childSet} WHERE {refs} IN (SELECT {pk} FROM a)", false, [parent.Name, child.Name]);
            }
            case 3:
            {
                // children deleted and their parents changed (or deleted) in one statement
                var parentValues = parent.ValueColumns.Where(c => c.Kind != ColumnKind.Touched).ToList();
                var outer = parentValues.Count > 0 && Chance(0.6)
                    ? $"UPDATE {parent.Name} SET {Assign(Pick(parentValues), rng)} WHERE ({pk}) IN (SELECT {string.Join(", ", fk.Columns)} FROM d)"
                    : $"DELETE FROM {parent.Name} WHERE ({pk}) IN (SELECT {string.Join(", ", fk.Columns)} FROM d)";
                return new FuzzStatement(
                    $"WITH d AS (DELETE FROM {child.Name} WHERE {Where(child)} RETURNING {string.Join(", ", fk.Columns)})\n{outer}",
                    outer.StartsWith("DELETE", StringComparison.Ordinal) || Referencing(child).Any(r => r.Fk.DeleteCanFail), [parent.Name, child.Name]);
            }
            default:
            {
                // three tables: the far side of a link, the link rows, and the other side
                var link = _tables.Where(l => l.Role == TableRole.Link).ToList();
                if (link.Count == 0) return null;
                var l = Pick(link);
                var (near, far) = (l.ForeignKeys[0], l.ForeignKeys[1]);
                if (Chance(0.5)) (near, far) = (far, near);
                var farT = schema.Table(far.Target);
                var nearT = schema.Table(near.Target);
                var farPk = string.Join(", ", farT.PrimaryKey);
                var nearValues = nearT.ValueColumns.Where(c => c.Kind != ColumnKind.Touched).ToList();
                if (nearValues.Count == 0) return null;
                var farRefs = far.Columns.Count == 1 ? far.Columns[0] : $"({string.Join(", ", far.Columns)})";
                return new FuzzStatement(
                    $"WITH d AS (DELETE FROM {farT.Name} WHERE {Where(farT)} RETURNING {farPk}),\n" +
                    $"     l AS (DELETE FROM {l.Name} WHERE {farRefs} IN (SELECT {farPk} FROM d) RETURNING {string.Join(", ", near.Columns)})\n" +
                    $"UPDATE {nearT.Name} SET {Assign(Pick(nearValues), rng)} WHERE ({string.Join(", ", nearT.PrimaryKey)}) IN (SELECT {string.Join(", ", near.Columns)} FROM l)",
                    true, [farT.Name, l.Name, nearT.Name]);
            }
        }
    }
}
