namespace TViews.Cli.Fuzz;

/// <summary>
/// Random schemas of 3-6 <c>tb_*</c> tables with seed rows: entities with bigint/int/text/uuid keys
/// (sometimes composite), nullable and non-null foreign keys with every ON DELETE action and
/// sometimes ON UPDATE CASCADE, self-references, m:n link tables, a counter table kept by a user
/// trigger on another table, BEFORE UPDATE row triggers that set a column, and hash-partitioned
/// entity tables.
/// </summary>
public sealed class SchemaGenerator(Random rng)
{
    private readonly List<FuzzTable> _tables = [];
    private readonly List<FuzzTrigger> _triggers = [];
    private readonly List<FuzzRow> _rows = [];

    /// <summary>Seeded keys per table, as literal tuples in primary key order (FK values of seed rows come from these).</summary>
    private readonly Dictionary<string, List<string[]>> _seeded = [];

    public FuzzSchema Generate()
    {
        var target = 3 + rng.Next(4);
        var letter = 0;
        while (_tables.Count < target)
        {
            var name = "tb_" + (char)('a' + letter++);
            var entities = _tables.Where(t => t.Role == TableRole.Entity).ToList();
            var counterParents = CounterCandidates().ToList();
            var roll = rng.NextDouble();
            if (entities.Count >= 2 && roll < 0.3) AddLink(name, entities);
            else if (counterParents.Count > 0 && roll < 0.45 && !_tables.Any(t => t.Role == TableRole.Counter))
                AddCounter(name, counterParents[rng.Next(counterParents.Count)]);
            else AddEntity(name, entities);
        }
        return new FuzzSchema(_tables.ToList(), _triggers.ToList(), _rows.ToList());
    }

    private bool Chance(double p) => rng.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> list) => list[rng.Next(list.Count)];

    private void AddEntity(string name, List<FuzzTable> parents)
    {
        var letter = name[3..];
        var columns = new List<FuzzColumn>();
        var fks = new List<FuzzForeignKey>();
        List<string> pk;
        int domain;
        if (Chance(0.25))
        {
            // composite key: two columns of (possibly) different types
            domain = 3 + rng.Next(2);
            columns.Add(new FuzzColumn("ka", ColumnKind.Key, true, Pick([KeyKind.Int, KeyKind.BigInt, KeyKind.Text])));
            columns.Add(new FuzzColumn("kb", ColumnKind.Key, true, Pick([KeyKind.Int, KeyKind.Text, KeyKind.Uuid])));
            pk = ["ka", "kb"];
        }
        else
        {
            domain = 8 + rng.Next(12);
            var keyName = Pick(new[] { $"pk_{letter}", "id", $"{letter}_id" });
            columns.Add(new FuzzColumn(keyName, ColumnKind.Key, true, Pick([KeyKind.BigInt, KeyKind.Int, KeyKind.Text, KeyKind.Uuid])));
            pk = [keyName];
        }
        // Foreign keys to up to two earlier entities.
        foreach (var parent in parents.OrderBy(_ => rng.Next()).Take(rng.Next(3)))
        {
            var nullable = Chance(0.5);
            var action = Pick([FkAction.NoAction, FkAction.Restrict, FkAction.Cascade, FkAction.Cascade, FkAction.SetNull, FkAction.SetDefault]);
            if (action == FkAction.SetNull && !nullable) action = FkAction.Cascade;
            var parentLetter = parent.Name[3..];
            var cols = new List<string>();
            foreach (var kc in parent.KeyColumns)
            {
                var colName = parent.PrimaryKey.Count == 1 ? Pick(new[] { $"fk_{parentLetter}", $"{parentLetter}_id" }) : $"{parentLetter}_{kc.Name}";
                // SET DEFAULT points at the first key of the domain, always seeded.
                columns.Add(new FuzzColumn(colName, ColumnKind.Ref, !nullable, kc.Key, action == FkAction.SetDefault ? FuzzValues.Key(kc.Key, 1) : null));
                cols.Add(colName);
            }
            fks.Add(new FuzzForeignKey($"{name}_{parentLetter}_fk", cols, parent.Name, parent.PrimaryKey, action, Chance(0.4)));
        }
        var selfRef = pk.Count == 1 && Chance(0.3);
        if (selfRef)
        {
            var kind = columns[0].Key;
            columns.Add(new FuzzColumn("parent_id", ColumnKind.Ref, false, kind));
            fks.Add(new FuzzForeignKey($"{name}_parent_fk", ["parent_id"], name, pk,
                Pick([FkAction.Cascade, FkAction.SetNull, FkAction.NoAction, FkAction.Restrict]), Chance(0.4)));
        }
        columns.Add(new FuzzColumn("name", ColumnKind.Name, Chance(0.5)));
        columns.Add(new FuzzColumn("cat", ColumnKind.Category, true, Default: "'a'"));
        columns.Add(new FuzzColumn("val", ColumnKind.Value, false));
        columns.Add(new FuzzColumn("flag", ColumnKind.Flag, true, Default: "false"));
        if (Chance(0.5)) columns.Add(new FuzzColumn("amt", ColumnKind.Amount, false));
        var touched = Chance(0.3);
        if (touched) columns.Add(new FuzzColumn("upd", ColumnKind.Touched, true, Default: "0"));
        // Sometimes hash-partitioned on its first key column: writes addressed to the table or to a
        // partition, and key updates moving rows between partitions.
        var table = new FuzzTable(name, TableRole.Entity, columns, pk, fks, domain, Partitions: Chance(0.25) ? 2 + rng.Next(2) : 0);
        _tables.Add(table);
        if (touched)
        {
            // A BEFORE UPDATE row trigger changes a column the SET list need not name (the usual updated_at).
            _triggers.Add(new FuzzTrigger($"{name}_touch", name, [name], $"""
                CREATE FUNCTION {name}_touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN NEW.upd := OLD.upd + 1; RETURN NEW; END $$;
                CREATE TRIGGER {name}_touch BEFORE UPDATE ON {name} FOR EACH ROW EXECUTE FUNCTION {name}_touch();
                """));
        }
        SeedEntity(table, selfRef);
    }

    private void SeedEntity(FuzzTable table, bool selfRef)
    {
        var keys = new List<string[]>();
        var keyCols = table.KeyColumns.ToList();
        if (keyCols.Count == 1)
        {
            for (var n = 1; n <= table.Domain; n++)
                if (n == 1 || Chance(0.6)) keys.Add([FuzzValues.Key(keyCols[0].Key, n)]);
        }
        else
        {
            for (var a = 1; a <= table.Domain; a++)
                for (var b = 1; b <= table.Domain; b++)
                    if ((a == 1 && b == 1) || Chance(0.6)) keys.Add([FuzzValues.Key(keyCols[0].Key, a), FuzzValues.Key(keyCols[1].Key, b)]);
        }
        var seeded = new List<string[]>();
        foreach (var key in keys)
        {
            var cols = new List<string>(table.PrimaryKey);
            var values = new List<string>(key);
            foreach (var fk in table.ForeignKeys)
            {
                var nullable = fk.Columns.All(c => !table.Column(c).NotNull);
                string[]? parentKey;
                if (fk.Target == table.Name)
                    parentKey = seeded.Count == 0 || Chance(0.4) ? null : Pick(seeded);
                else
                    parentKey = nullable && Chance(0.2) ? null : Pick(_seeded[fk.Target]);
                for (var i = 0; i < fk.Columns.Count; i++)
                {
                    cols.Add(fk.Columns[i]);
                    values.Add(parentKey is null ? "NULL" : parentKey[i]);
                }
            }
            foreach (var c in table.ValueColumns)
            {
                if (c.Kind == ColumnKind.Touched) continue;
                cols.Add(c.Name);
                values.Add(RandomValue(c));
            }
            _rows.Add(new FuzzRow(table.Name, cols, values));
            seeded.Add(key);
        }
        _seeded[table.Name] = seeded;
    }

    /// <summary>A value for a non-key column: small domains, so equal values and ties are common.</summary>
    public static string RandomValue(FuzzColumn c, Random rng) => c.Kind switch
    {
        ColumnKind.Name => !c.NotNull && rng.NextDouble() < 0.2 ? "NULL" : FuzzValues.Name(rng.Next(6)),
        ColumnKind.Category => FuzzValues.Categories[rng.Next(3)],
        ColumnKind.Value => rng.NextDouble() < 0.15 ? "NULL" : FuzzValues.Int(rng.Next(10)),
        ColumnKind.Flag => rng.Next(2) == 0 ? "true" : "false",
        ColumnKind.Amount => rng.NextDouble() < 0.2 ? "NULL" : $"{FuzzValues.Int(rng.Next(100))}.{FuzzValues.Int(rng.Next(10))}5",
        ColumnKind.Touched or ColumnKind.Count => FuzzValues.Int(rng.Next(3)),
        _ => throw new InvalidOperationException(c.Kind.ToString()),
    };

    private string RandomValue(FuzzColumn c) => RandomValue(c, rng);

    private void AddLink(string name, List<FuzzTable> entities)
    {
        var pair = entities.OrderBy(_ => rng.Next()).Take(2).ToList();
        var columns = new List<FuzzColumn>();
        var fks = new List<FuzzForeignKey>();
        var pk = new List<string>();
        foreach (var parent in pair)
        {
            var letter = parent.Name[3..];
            var cols = new List<string>();
            foreach (var kc in parent.KeyColumns)
            {
                var colName = parent.PrimaryKey.Count == 1 ? $"fk_{letter}" : $"{letter}_{kc.Name}";
                columns.Add(new FuzzColumn(colName, ColumnKind.Ref, true, kc.Key));
                cols.Add(colName);
                pk.Add(colName);
            }
            fks.Add(new FuzzForeignKey($"{name}_{letter}_fk", cols, parent.Name, parent.PrimaryKey,
                Pick([FkAction.Cascade, FkAction.Cascade, FkAction.Cascade, FkAction.NoAction, FkAction.Restrict]), Chance(0.5)));
        }
        if (Chance(0.5)) columns.Add(new FuzzColumn("val", ColumnKind.Value, false));
        var table = new FuzzTable(name, TableRole.Link, columns, pk, fks, 0);
        _tables.Add(table);
        var a = _seeded[pair[0].Name];
        var b = _seeded[pair[1].Name];
        var pairs = new HashSet<(int, int)>();
        var wanted = Math.Min(a.Count * b.Count, (a.Count + b.Count) * 3 / 2);
        while (pairs.Count < wanted) pairs.Add((rng.Next(a.Count), rng.Next(b.Count)));
        var seeded = new List<string[]>();
        foreach (var (i, j) in pairs.OrderBy(p => p.Item1).ThenBy(p => p.Item2))
        {
            var key = a[i].Concat(b[j]).ToArray();
            var values = key.ToList();
            var cols = new List<string>(pk);
            if (columns.Any(c => c.Name == "val")) { cols.Add("val"); values.Add(RandomValue(table.Column("val"))); }
            _rows.Add(new FuzzRow(name, cols, values));
            seeded.Add(key);
        }
        _seeded[name] = seeded;
    }

    /// <summary>Single-column foreign keys a counter can count (child table, FK column, parent).</summary>
    private IEnumerable<(FuzzTable Child, FuzzForeignKey Fk)> CounterCandidates() =>
        _tables.Where(t => t.Role == TableRole.Entity)
            .SelectMany(t => t.ForeignKeys.Where(f => f.Columns.Count == 1 && f.Target != t.Name).Select(f => (t, f)));

    /// <summary>
    /// A counter table kept by an AFTER row trigger on a child table: one statement on the child
    /// changes two sources of a definition that reads both.
    /// </summary>
    private void AddCounter(string name, (FuzzTable Child, FuzzForeignKey Fk) source)
    {
        var (child, fk) = source;
        var refCol = child.Column(fk.Columns[0]);
        var parent = _tables.First(t => t.Name == fk.Target);
        var keyName = parent.PrimaryKey[0];
        var table = new FuzzTable(name, TableRole.Counter,
            [new FuzzColumn(keyName, ColumnKind.Key, true, refCol.Key), new FuzzColumn("n", ColumnKind.Count, true)],
            [keyName], [], parent.Domain, parent.Name);
        _tables.Add(table);
        var c = refCol.Name;
        _triggers.Add(new FuzzTrigger($"{name}_keep", child.Name, [child.Name, name], $"""
            CREATE FUNCTION {name}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.{c} IS NOT NULL THEN
                    UPDATE {name} SET n = n - 1 WHERE {keyName} = OLD.{c};
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.{c} IS NOT NULL THEN
                    INSERT INTO {name} AS x ({keyName}, n) VALUES (NEW.{c}, 1) ON CONFLICT ({keyName}) DO UPDATE SET n = x.n + 1;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER {name}_keep AFTER INSERT OR DELETE OR UPDATE ON {child.Name} FOR EACH ROW EXECUTE FUNCTION {name}_keep();
            """));
        _seeded[name] = [];
    }

    /// <summary>Whether <paramref name="t"/> is a counter's trigger (<see cref="AddCounter"/>).</summary>
    public static bool IsCounterTrigger(FuzzTrigger t) => t.Name.EndsWith("_keep", StringComparison.Ordinal);

    /// <summary>
    /// A counter's trigger as a DEFERRABLE INITIALLY DEFERRED constraint trigger: the counter table,
    /// a source of what reads it, is written at COMMIT, among (before or after) a deferred TVIEW's flush.
    /// </summary>
    public static FuzzTrigger DeferredCounterTrigger(FuzzTrigger t)
    {
        const string create = "CREATE TRIGGER ", each = " FOR EACH ROW ";
        if (!IsCounterTrigger(t) || t.Ddl.Split(create).Length != 2 || t.Ddl.Split(each).Length != 2)
            throw new InvalidOperationException($"not a counter's trigger: {t.Name}");
        return t with { Ddl = t.Ddl.Replace(create, "CREATE CONSTRAINT TRIGGER ", StringComparison.Ordinal)
                                   .Replace(each, " DEFERRABLE INITIALLY DEFERRED" + each, StringComparison.Ordinal) };
    }
}
