using System.Text;

namespace TViews.Cli.Fuzz;

/// <summary>
/// Random TVIEW definitions over a generated schema, drawn from shapes the analyzer accepts: rows
/// of a root table with to-one joins (inner and left), correlated subqueries (count, sum, min/max,
/// bool_or, jsonb_agg / array_agg / string_agg with ORDER BY, FILTER), m:n through link tables,
/// EXISTS / NOT EXISTS / IN filters, CASE and COALESCE, jsonb_build_object documents, GROUP BY with
/// HAVING (by the root's key or by a value), DISTINCT, DISTINCT ON the key, anti-joins, LATERAL,
/// CTEs, UNION [ALL] of keyed branches, window functions partitioned by other columns than the key,
/// multisets (no key written: values without the key, grouping by a nullable value), WITH RECURSIVE
/// down a self-reference, and TVIEWs over earlier TVIEWs. Keys are unique by
/// construction (the root's primary key through to-one joins, the grouping columns, the DISTINCT
/// columns, a branch's own constant with its relation's key), so a divergence is never the
/// generator's fault. Every ORDER BY inside an aggregate is total, so the definition is deterministic.
/// </summary>
public sealed class DefinitionGenerator
{
    private readonly Random _rng;
    private readonly List<Rel> _rels;
    private int _next;

    public DefinitionGenerator(Random rng, FuzzSchema schema)
    {
        _rng = rng;
        _rels = schema.Tables.Select(Rel.Of).ToList();
    }

    public List<FuzzDefinition> Generate(int count)
    {
        var list = new List<FuzzDefinition>();
        for (var attempts = 0; list.Count < count && attempts < count * 10; attempts++)
        {
            var built = Next();
            if (built is null) continue;
            list.Add(built.Value.Definition);
            if (built.Value.AsRelation is { } rel) _rels.Add(rel);
        }
        return list;
    }

    private bool Chance(double p) => _rng.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> list) => list[_rng.Next(list.Count)];

    /// <summary>A relation to start from; TVIEWs are preferred now and then so TVIEW-on-TVIEW chains form.</summary>
    private Rel PickRel(IEnumerable<Rel> candidates)
    {
        var list = candidates.ToList();
        var tviews = list.Where(r => r.IsTView).ToList();
        return tviews.Count > 0 && Chance(0.35) ? Pick(tviews) : Pick(list);
    }

    private (FuzzDefinition Definition, Rel? AsRelation)? Next()
    {
        var shape = _rng.Next(100) switch
        {
            < 22 => "row",
            < 30 => "union",
            < 45 => "doc",
            < 60 => "grp",
            < 68 => "gval",
            < 74 => "dist",
            < 80 => "anti",
            < 86 => "lat",
            < 89 => "cte",
            < 92 => "win",
            < 95 => "bag",
            < 97 => "rec",
            _ => "don",
        };
        var q = new Query(shape, ++_next);
        return shape switch
        {
            "row" => Rooted(q, document: false),
            "doc" => Rooted(q, document: true),
            "grp" => Grouped(q),
            "gval" => GroupedByValue(q),
            "dist" => Distinct(q),
            "anti" => AntiJoin(q),
            "lat" => Lateral(q),
            "cte" => Cte(q),
            "union" => Union(q),
            "win" => Windowed(q),
            "bag" => Bag(q),
            "rec" => Recursive(q),
            _ => DistinctOn(q),
        };
    }

    // ------------------------------------------------------------------ the schema graph

    /// <summary>To-one joins from <paramref name="x"/>: its references, and relations keyed like its own root (a counter, a TVIEW of it).</summary>
    private IEnumerable<(IReadOnlyList<string> Columns, Rel Target, bool NotNull)> ToOne(Rel x)
    {
        foreach (var r in x.Refs)
            foreach (var y in _rels.Where(y => y.Root == r.Target && y.Key.Count == r.Columns.Count))
                yield return (r.Columns, y, r.NotNull && !y.IsTView && y.Root == y.Name);
        foreach (var y in _rels.Where(y => y.Root == x.Root && y.Name != x.Name && y.Key.Count == x.Key.Count))
            yield return (x.Key, y, false);
    }

    /// <summary>To-many: relations whose reference points at <paramref name="x"/>'s root (children, link tables, self-references).</summary>
    private IEnumerable<(Rel Child, RelRef Ref)> ToMany(Rel x) =>
        _rels.SelectMany(c => c.Refs.Where(r => r.Target == x.Root && r.Columns.Count == x.Key.Count).Select(r => (c, r)));

    private static string Eq(string ya, IReadOnlyList<string> ycols, string xa, IReadOnlyList<string> xcols) =>
        string.Join(" AND ", ycols.Select((c, i) => $"{ya}.{c} = {xa}.{xcols[i]}"));

    // ------------------------------------------------------------------ expressions

    private (string Sql, ColType Type) ValueExpr(string a, RelCol c)
    {
        var col = $"{a}.{c.Name}";
        return c.Type switch
        {
            ColType.Text => _rng.Next(5) switch
            {
                0 => ($"upper({col})", ColType.Text),
                1 => ($"COALESCE({col}, '-')", ColType.Text),
                2 => ($"{col} || '/'", ColType.Text),
                _ => (col, ColType.Text),
            },
            ColType.Int => _rng.Next(5) switch
            {
                0 => ($"{col} + 1", ColType.Int),
                1 => ($"COALESCE({col}, -1)", ColType.Int),
                2 => ($"CASE WHEN {col} > 4 THEN 'big' WHEN {col} IS NULL THEN 'none' ELSE 'small' END", ColType.Text),
                _ => (col, ColType.Int),
            },
            ColType.Bool => _rng.Next(4) switch
            {
                0 => ($"NOT {col}", ColType.Bool),
                1 => ($"CASE WHEN {col} THEN 1 ELSE 0 END", ColType.Int),
                _ => (col, ColType.Bool),
            },
            ColType.Numeric => _rng.Next(3) switch
            {
                0 => ($"{col} * 2", ColType.Numeric),
                1 => ($"COALESCE({col}, 0)", ColType.Numeric),
                _ => (col, ColType.Numeric),
            },
            _ => (col, c.Type),
        };
    }

    /// <summary>A condition on a row of <paramref name="r"/>, or null when it has no column to test.</summary>
    private string? Filter(string a, Rel r)
    {
        var options = new List<string>();
        foreach (var c in r.Values)
        {
            var col = $"{a}.{c.Name}";
            switch (c.Type)
            {
                case ColType.Bool: options.Add(col); options.Add($"NOT {col}"); break;
                case ColType.Int: options.Add($"{col} > {_rng.Next(1, 6)}"); options.Add($"{col} IS NOT NULL"); break;
                case ColType.Text: options.Add($"{col} <> 'b'"); options.Add($"{col} IS NOT NULL"); break;
                case ColType.Numeric: options.Add($"{col} > 30"); break;
            }
        }
        return options.Count == 0 ? null : Pick(options);
    }

    /// <summary>An aggregate over rows of <paramref name="r"/> aliased <paramref name="a"/>; ORDER BY inside is total (value, then key).</summary>
    private (string Sql, ColType Type, string Empty) Aggregate(string a, Rel r)
    {
        var values = r.Values.ToList();
        var keys = string.Join(", ", r.Key.Select(k => $"{a}.{k}"));
        var numeric = values.Where(c => c.Type is ColType.Int or ColType.Numeric).ToList();
        var text = values.Where(c => c.Type == ColType.Text).ToList();
        var flags = values.Where(c => c.Type == ColType.Bool).ToList();
        var any = values.Count > 0 ? values : r.KeyColumns.ToList();
        var options = new List<Func<(string, ColType, string)>>
        {
            () => ("count(*)", ColType.Int, "0"),
            () => ($"count({a}.{Pick(any).Name})", ColType.Int, "0"),
            () =>
            {
                var c = Pick(any);
                return ($"jsonb_agg({a}.{c.Name} ORDER BY {a}.{c.Name}, {keys})", ColType.Jsonb, "'[]'::jsonb");
            },
            () =>
            {
                var c = Pick(any);
                return ($"jsonb_agg(jsonb_build_object('k', {a}.{r.Key[0]}, 'v', {a}.{c.Name}) ORDER BY {keys})", ColType.Jsonb, "'[]'::jsonb");
            },
        };
        // array_agg of arrays needs equal dimensions: never aggregate an array column into one.
        var scalars = any.Where(c => c.Type != ColType.Array).ToList();
        if (scalars.Count > 0)
            options.Add(() =>
            {
                var c = Pick(scalars);
                return ($"array_agg({a}.{c.Name} ORDER BY {a}.{c.Name} DESC, {keys})", ColType.Array, "");
            });
        if (numeric.Count > 0)
        {
            options.Add(() => ($"sum({a}.{Pick(numeric).Name})", ColType.Numeric, "0"));
            options.Add(() => ($"max({a}.{Pick(numeric).Name})", ColType.Numeric, ""));
        }
        if (text.Count > 0)
        {
            options.Add(() =>
            {
                var c = Pick(text);
                return ($"string_agg({a}.{c.Name}, ',' ORDER BY {a}.{c.Name}, {keys})", ColType.Text, "''");
            });
            options.Add(() => ($"min({a}.{Pick(text).Name})", ColType.Text, ""));
        }
        if (flags.Count > 0)
        {
            options.Add(() => ($"bool_or({a}.{Pick(flags).Name})", ColType.Bool, ""));
            options.Add(() => ($"count(*) FILTER (WHERE {a}.{Pick(flags).Name})", ColType.Int, "0"));
        }
        return Pick(options)();
    }

    /// <summary>
    /// A correlated subquery over the to-many side of the row aliased <paramref name="xa"/>: a child,
    /// sometimes with the child's own to-one parent (m:n through a link table), sometimes filtered.
    /// </summary>
    private (string Sql, ColType Type)? Subquery(Query q, string xa, Rel x)
    {
        var children = ToMany(x).ToList();
        if (children.Count == 0) return null;
        var (child, r) = Pick(children);
        q.Reads.Add(child.Name);
        var ca = q.Alias("c");
        var from = $"{child.Name} {ca}";
        var where = Eq(ca, r.Columns, xa, x.Key);
        var (aggA, aggRel) = (ca, child);
        var far = ToOne(child).Where(t => !t.Columns.SequenceEqual(r.Columns) && t.Target.Name != child.Name).ToList();
        if (far.Count > 0 && Chance(0.5))
        {
            var (cols, target, notNull) = Pick(far);
            q.Reads.Add(target.Name);
            var fa = q.Alias("f");
            from += $" JOIN {target.Name} {fa} ON {Eq(fa, target.Key, ca, cols)}";
            (aggA, aggRel) = (fa, target);
            _ = notNull;
        }
        if (Chance(0.3) && Filter(ca, child) is { } f) where += $" AND {f}";
        // nested: a condition through the child's own children
        if (Chance(0.15) && SubqueryFilter(q, ca, child) is { } nested) where += $" AND {nested}";
        var roll = _rng.NextDouble();
        var values = aggRel.Values.Where(v => v.Type is ColType.Text or ColType.Int or ColType.Bool or ColType.Numeric).ToList();
        if (roll < 0.12 && values.Count > 0)
        {
            // the first row by a total order: ORDER BY ... LIMIT 1 inside a scalar subquery
            var v = Pick(values);
            var order = $"{aggA}.{v.Name} DESC NULLS LAST, " + string.Join(", ", aggRel.Key.Select(k => $"{aggA}.{k}"));
            return ($"(SELECT {aggA}.{v.Name} FROM {from} WHERE {where} ORDER BY {order} LIMIT 1)", v.Type);
        }
        if (roll < 0.2 && ToMany(x).Count() > 1 && values.Any(v => v.Type == ColType.Text))
        {
            // two children's values merged: ARRAY(SELECT ... UNION SELECT ...) ordered
            var (other, or) = Pick(ToMany(x).Where(c => c.Child.Name != child.Name || !c.Ref.Columns.SequenceEqual(r.Columns)).ToList());
            var ov = other.Values.FirstOrDefault(v => v.Type == ColType.Text);
            if (ov is not null)
            {
                q.Reads.Add(other.Name);
                var oa = q.Alias("u");
                var v = values.First(v => v.Type == ColType.Text);
                return ($"ARRAY(SELECT u.l FROM (SELECT {aggA}.{v.Name} AS l FROM {from} WHERE {where} UNION SELECT {oa}.{ov.Name} FROM {other.Name} {oa} WHERE {Eq(oa, or.Columns, xa, x.Key)}) u ORDER BY u.l)",
                    ColType.Array);
            }
        }
        var (agg, type, empty) = Aggregate(aggA, aggRel);
        var sql = $"(SELECT {agg} FROM {from} WHERE {where})";
        if (empty.Length > 0 && Chance(0.8)) sql = $"COALESCE({sql}, {empty})";
        return (sql, type);
    }

    /// <summary>A WHERE condition through another table: EXISTS / NOT EXISTS on children, IN on children or parents.</summary>
    private string? SubqueryFilter(Query q, string xa, Rel x)
    {
        var options = new List<Func<string?>>();
        var children = ToMany(x).ToList();
        if (children.Count > 0)
        {
            options.Add(() =>
            {
                var (child, r) = Pick(children);
                q.Reads.Add(child.Name);
                var ca = q.Alias("e");
                var extra = Chance(0.4) && Filter(ca, child) is { } f ? $" AND {f}" : "";
                return $"{(Chance(0.5) ? "NOT " : "")}EXISTS (SELECT 1 FROM {child.Name} {ca} WHERE {Eq(ca, r.Columns, xa, x.Key)}{extra})";
            });
            var single = children.Where(c => c.Ref.Columns.Count == 1).ToList();
            if (single.Count > 0)
                options.Add(() =>
                {
                    var (child, r) = Pick(single);
                    q.Reads.Add(child.Name);
                    var ca = q.Alias("i");
                    var extra = Filter(ca, child) is { } f ? $" WHERE {f}" : "";
                    return $"{xa}.{x.Key[0]} IN (SELECT {ca}.{r.Columns[0]} FROM {child.Name} {ca}{extra})";
                });
        }
        var parents = ToOne(x).Where(p => p.Columns.Count == 1 && p.Target.Name != x.Name).ToList();
        if (parents.Count > 0)
            options.Add(() =>
            {
                var (cols, target, _) = Pick(parents);
                q.Reads.Add(target.Name);
                var pa = q.Alias("i");
                var extra = Filter(pa, target) is { } f ? $" WHERE {f}" : "";
                return $"{xa}.{cols[0]} {(Chance(0.3) ? "NOT " : "")}IN (SELECT {pa}.{target.Key[0]} FROM {target.Name} {pa}{extra})";
            });
        return options.Count == 0 ? null : Pick(options)();
    }

    // ------------------------------------------------------------------ shapes

    /// <summary>Rows of a root relation: key, references, values of to-one joins, subqueries, filters; as columns or as one jsonb document.</summary>
    private (FuzzDefinition, Rel?)? Rooted(Query q, bool document)
    {
        var x = PickRel(_rels);
        q.Reads.Add(x.Name);
        var ra = "r";
        var from = new StringBuilder($"{x.Name} {ra}");
        foreach (var k in x.Key) q.Output($"{ra}.{k}", k, x.Column(k).Type);
        foreach (var r in x.Refs)
            if (Chance(0.6) && r.Columns.All(c => !q.Names.Contains(c)))
                foreach (var c in r.Columns) q.Output($"{ra}.{c}", c, ColType.Key);
        // References whose columns the TVIEW passes through keep joining like the root's.
        var keptRefs = x.Refs.Where(rf => rf.Columns.All(c => q.Outputs.Any(o => o.Name == c && o.Sql == $"{ra}.{c}"))).ToList();
        // to-one joins, sometimes chained (parent of the parent)
        var joined = new List<(string Alias, Rel Rel)> { (ra, x) };
        for (var j = _rng.Next(3); j > 0; j--)
        {
            var (fa, fromRel) = Pick(joined);
            var targets = ToOne(fromRel).ToList();
            if (targets.Count == 0) continue;
            var (cols, target, notNull) = Pick(targets);
            q.Reads.Add(target.Name);
            var ja = q.Alias("j");
            var kind = notNull && Chance(0.5) ? "JOIN" : "LEFT JOIN";
            if (kind == "LEFT JOIN" && joined.Count == 1 && Chance(0.2))
            {
                // the same join written the other way round
                from.Clear().Append($"{target.Name} {ja}\nRIGHT JOIN {x.Name} {ra} ON {Eq(ja, target.Key, fa, cols)}");
            }
            else from.Append($"\n{kind} {target.Name} {ja} ON {Eq(ja, target.Key, fa, cols)}");
            joined.Add((ja, target));
        }
        var items = new List<(string Name, string Sql, ColType Type)>();
        var count = 1 + _rng.Next(document ? 4 : 3);
        for (var i = 0; i < count; i++)
        {
            if (Chance(0.4) && Subquery(q, ra, x) is { } sub) { items.Add(($"s{i}", sub.Sql, sub.Type)); continue; }
            var (a, rel) = Pick(joined);
            var values = rel.Values.ToList();
            if (values.Count == 0) continue;
            var c = Pick(values);
            var (sql, type) = ValueExpr(a, c);
            items.Add((a == ra ? c.Name : $"{a}_{c.Name}", sql, type));
        }
        if (document && items.Count > 0)
        {
            var pairs = string.Join(", ", items.Select(it => $"'{it.Name}', {it.Sql}"));
            q.Output($"jsonb_build_object({pairs})", "data", ColType.Jsonb);
        }
        else
            foreach (var it in items) q.Output(it.Sql, it.Name, it.Type);
        var where = new List<string>();
        if (Chance(0.3) && Filter(ra, x) is { } f) where.Add(f);
        if (Chance(0.3) && SubqueryFilter(q, ra, x) is { } sf) where.Add(sf);
        if (joined.Count > 1 && Chance(0.15) && Filter(joined[^1].Alias, joined[^1].Rel) is { } jf) where.Add(jf);
        var sqlText = $"SELECT {q.SelectList()}\nFROM {from}{(where.Count > 0 ? "\nWHERE " + string.Join("\n  AND ", where) : "")}";
        return q.Finish(sqlText, x.Key, AsRelation(q, x, keptRefs));
    }

    /// <summary>A definition keyed by <paramref name="x"/>'s key becomes a relation later definitions read like <paramref name="x"/>.</summary>
    private static Rel AsRelation(Query q, Rel x, IReadOnlyList<RelRef> refs)
    {
        var cols = q.Outputs.Select(o => new RelCol(o.Name, o.Type, x.Key.Contains(o.Name))).ToList();
        return new Rel(q.Table, x.Root, cols, x.Key, refs, true);
    }

    /// <summary>GROUP BY the root's key over a join with its children: aggregates, FILTER, HAVING; or the counts-from-the-delta form.</summary>
    private (FuzzDefinition, Rel?)? Grouped(Query q)
    {
        var withChildren = _rels.Where(r => ToMany(r).Any()).ToList();
        if (withChildren.Count == 0) return null;
        var x = PickRel(withChildren);
        var (child, r) = Pick(ToMany(x).ToList());
        q.Reads.Add(x.Name);
        q.Reads.Add(child.Name);
        var group = x.Key.Select(k => $"r.{k}").ToList();
        foreach (var k in x.Key) q.Output($"r.{k}", k, x.Column(k).Type);
        var named = x.Values.FirstOrDefault(v => v.Type == ColType.Text);
        if (named is not null && Chance(0.5)) { q.Output($"r.{named.Name}", named.Name, ColType.Text); group.Add($"r.{named.Name}"); }
        var countForm = Chance(0.35);
        var ca = "c";
        if (countForm)
        {
            // R LEFT JOIN D ON D.x = R.k GROUP BY R.k: counts maintained from the delta.
            var counted = Pick(child.Columns.ToList()).Name;
            if (Chance(0.5)) q.Output($"count({ca}.{counted})", "n", ColType.Int);
            else q.Output($"jsonb_build_object('n', count({ca}.{counted}), 'm', count({ca}.{child.Key[0]}))", "data", ColType.Jsonb);
            var sqlCount = $"SELECT {q.SelectList()}\nFROM {x.Name} r\nLEFT JOIN {child.Name} {ca} ON {Eq(ca, r.Columns, "r", x.Key)}\nGROUP BY {string.Join(", ", group)}";
            return q.Finish(sqlCount, x.Key, AsRelation(q, x, []));
        }
        var join = Chance(0.6) ? "LEFT JOIN" : "JOIN";
        var from = $"{x.Name} r\n{join} {child.Name} {ca} ON {Eq(ca, r.Columns, "r", x.Key)}";
        var (aggA, aggRel) = (ca, child);
        var far = ToOne(child).Where(t => !t.Columns.SequenceEqual(r.Columns) && t.Target.Name != child.Name).ToList();
        if (far.Count > 0 && Chance(0.4))
        {
            var (cols, target, _) = Pick(far);
            q.Reads.Add(target.Name);
            from += $"\nLEFT JOIN {target.Name} f ON {Eq("f", target.Key, ca, cols)}";
            (aggA, aggRel) = ("f", target);
        }
        for (var i = 1 + _rng.Next(3); i > 0; i--)
        {
            var (aa, ar) = Chance(0.5) ? (aggA, aggRel) : (ca, child);
            var (agg, type, _) = Aggregate(aa, ar);
            q.Output(agg, $"a{i}", type);
        }
        var where = Chance(0.25) && Filter("r", x) is { } f ? $"\nWHERE {f}" : "";
        var having = Chance(0.3) ? $"\nHAVING count({ca}.{child.Key[0]}) {(Chance(0.5) ? "> 0" : "<> 1")}" : "";
        var sql = $"SELECT {q.SelectList()}\nFROM {from}{where}\nGROUP BY {string.Join(", ", group)}{having}";
        return q.Finish(sql, x.Key, AsRelation(q, x, []));
    }

    /// <summary>GROUP BY a value (category, flag, a non-null reference, or a parent's category through an inner join); the grouping columns are the key.</summary>
    private (FuzzDefinition, Rel?)? GroupedByValue(Query q)
    {
        var x = PickRel(_rels);
        q.Reads.Add(x.Name);
        var from = $"{x.Name} r";
        var groups = new List<(string Sql, string Name, ColType Type)>();
        var notNullValues = x.Values.Where(v => v.NotNull && v.Type is ColType.Text or ColType.Bool or ColType.Int).ToList();
        var notNullRefs = x.Refs.Where(rf => rf.NotNull && rf.Columns.Count == 1).ToList();
        var parents = ToOne(x).Where(p => p.NotNull && p.Target.Values.Any(v => v.NotNull && v.Type == ColType.Text)).ToList();
        var where = new List<string>();
        var multiset = false;
        switch (_rng.Next(4))
        {
            case 0 when parents.Count > 0:
            {
                var (cols, target, _) = Pick(parents);
                q.Reads.Add(target.Name);
                from += $"\nJOIN {target.Name} p ON {Eq("p", target.Key, "r", cols)}";
                var v = Pick(target.Values.Where(v => v.NotNull && v.Type == ColType.Text).ToList());
                groups.Add(($"p.{v.Name}", "p_" + v.Name, ColType.Text));
                break;
            }
            case 1 when notNullRefs.Count > 0:
                groups.Add(($"r.{Pick(notNullRefs).Columns[0]}", "g", ColType.Key));
                break;
            case 2 when x.Values.Any(v => v.Type == ColType.Int && !v.NotNull):
            {
                var v = Pick(x.Values.Where(v => v.Type == ColType.Int && !v.NotNull).ToList());
                groups.Add(($"r.{v.Name}", "g", ColType.Int));
                // Without the filter NULL is a group of its own: no key, a multiset found by g.
                if (Chance(0.5)) where.Add($"r.{v.Name} IS NOT NULL");
                else multiset = true;
                break;
            }
            default:
                if (notNullValues.Count == 0) return null;
                foreach (var v in notNullValues.OrderBy(_ => _rng.Next()).Take(1 + _rng.Next(Math.Min(2, notNullValues.Count))))
                    groups.Add(($"r.{v.Name}", v.Name, v.Type));
                break;
        }
        if (groups.Count == 0) return null;
        foreach (var g in groups) q.Output(g.Sql, g.Name, g.Type);
        for (var i = 1 + _rng.Next(3); i > 0; i--)
        {
            var (agg, type, _) = Aggregate("r", x);
            q.Output(agg, $"a{i}", type);
        }
        if (Chance(0.25) && Filter("r", x) is { } f) where.Add(f);
        var having = Chance(0.3) ? "\nHAVING count(*) > 1" : "";
        var sql = $"SELECT {q.SelectList()}\nFROM {from}{(where.Count > 0 ? "\nWHERE " + string.Join(" AND ", where) : "")}\nGROUP BY {string.Join(", ", groups.Select(g => g.Sql))}{having}";
        return q.Finish(sql, multiset ? [] : q.Outputs.Take(groups.Count).Select(o => o.Name).ToList(), null);
    }

    /// <summary>
    /// WITH RECURSIVE down a self-reference (parent to children), depth-limited (the data may hold
    /// cycles): a path of a value and the depth, or rows per depth; maintained whole (no key written).
    /// </summary>
    private (FuzzDefinition, Rel?)? Recursive(Query q)
    {
        var selfRefs = _rels.Where(r => !r.IsTView)
            .SelectMany(r => r.Refs.Where(f => f.Target == r.Name && f.Columns.Count == r.Key.Count).Select(f => (Rel: r, Ref: f))).ToList();
        if (selfRefs.Count == 0) return null;
        var (x, rf) = Pick(selfRefs);
        var label = x.Values.FirstOrDefault(v => v.Type == ColType.Text) ?? x.Values.FirstOrDefault();
        q.Reads.Add(x.Name);
        var keys = string.Join(", ", x.Key);
        string Cols(string a) => string.Join(", ", x.Key.Select(k => $"{a}.{k}"));
        var anchor = Chance(0.5) ? string.Join(" AND ", rf.Columns.Select(c => $"r.{c} IS NULL")) : "true"; // roots, or every row as a start
        var value = label is null ? "''" : $"coalesce(r.{label.Name}::text, '-')";
        var step = label is null ? "t.path" : $"t.path || '/' || coalesce(c.{label.Name}::text, '-')";
        var cte = $"WITH RECURSIVE t ({keys}, path, depth) AS (\n" +
                  $"    SELECT {Cols("r")}, {value}, 1 FROM {x.Name} r WHERE {anchor}\n" +
                  $"    {(Chance(0.5) ? "UNION ALL" : "UNION")}\n" +
                  $"    SELECT {Cols("c")}, {step}, t.depth + 1 FROM {x.Name} c JOIN t ON {Eq("c", rf.Columns, "t", x.Key)} WHERE t.depth < {2 + _rng.Next(3)}\n)\n";
        var select = Chance(0.7) ? $"SELECT {Cols("t")}, t.path, t.depth FROM t" : "SELECT t.depth, count(*) AS n FROM t GROUP BY t.depth";
        return q.Finish(cte + select, [], null);
    }

    /// <summary>
    /// A multiset: values of a relation and of a parent joined inner or left, without the key, sometimes
    /// DISTINCT; rows repeat and columns may be NULL (no key written: TViews finds the rows by their values).
    /// </summary>
    private (FuzzDefinition, Rel?)? Bag(Query q)
    {
        var x = PickRel(_rels);
        q.Reads.Add(x.Name);
        var from = $"{x.Name} r";
        var joined = new List<(string Alias, Rel Rel)> { ("r", x) };
        var parents = ToOne(x).ToList();
        if (parents.Count > 0 && Chance(0.6))
        {
            var (cols, target, notNull) = Pick(parents);
            q.Reads.Add(target.Name);
            from += $"\n{(notNull && Chance(0.5) ? "JOIN" : "LEFT JOIN")} {target.Name} p ON {Eq("p", target.Key, "r", cols)}";
            joined.Add(("p", target));
        }
        for (var i = 1 + _rng.Next(3); i > 0; i--)
        {
            var (a, rel) = Pick(joined);
            var values = rel.Values.ToList();
            if (values.Count == 0) continue;
            var c = Pick(values);
            var (sql, type) = ValueExpr(a, c);
            q.Output(sql, a == "r" ? c.Name : $"p_{c.Name}", type);
        }
        if (x.Refs.Count > 0 && Chance(0.4))
            foreach (var c in Pick(x.Refs).Columns.Where(c => !q.Names.Contains(c))) q.Output($"r.{c}", c, ColType.Key);
        if (q.Outputs.Count == 0) return null;
        var where = new List<string>();
        if (Chance(0.3) && Filter("r", x) is { } f) where.Add(f);
        if (Chance(0.25) && SubqueryFilter(q, "r", x) is { } sf) where.Add(sf);
        var distinct = Chance(0.2) ? "DISTINCT " : "";
        return q.Finish($"SELECT {distinct}{q.SelectList()}\nFROM {from}{(where.Count > 0 ? "\nWHERE " + string.Join("\n  AND ", where) : "")}", [], null);
    }

    /// <summary>SELECT DISTINCT of non-null columns of a relation and a parent joined inner; every column is the key.</summary>
    private (FuzzDefinition, Rel?)? Distinct(Query q)
    {
        var x = PickRel(_rels.Where(r => !r.IsTView));
        q.Reads.Add(x.Name);
        var cols = x.Values.Where(v => v.NotNull && v.Type is ColType.Text or ColType.Bool or ColType.Int).Select(v => ($"r.{v.Name}", v.Name))
            .Concat(x.Refs.Where(rf => rf.NotNull).SelectMany(rf => rf.Columns).Select(c => ($"r.{c}", c))).ToList();
        var from = $"{x.Name} r";
        var parents = ToOne(x).Where(p => p.NotNull && !p.Target.IsTView).ToList();
        if (parents.Count > 0 && Chance(0.6))
        {
            var (pcols, target, _) = Pick(parents);
            q.Reads.Add(target.Name);
            from += $"\nJOIN {target.Name} p ON {Eq("p", target.Key, "r", pcols)}";
            cols.AddRange(target.Values.Where(v => v.NotNull && v.Type is ColType.Text or ColType.Bool).Select(v => ($"p.{v.Name}", "p_" + v.Name)));
        }
        if (cols.Count == 0) return null;
        foreach (var (sql, name) in cols.OrderBy(_ => _rng.Next()).Take(1 + _rng.Next(Math.Min(3, cols.Count))))
            q.Output(sql, name, ColType.Text);
        var where = Chance(0.3) && Filter("r", x) is { } f ? $"\nWHERE {f}" : "";
        return q.Finish($"SELECT DISTINCT {q.SelectList()}\nFROM {from}{where}", q.Outputs.Select(o => o.Name).ToList(), null);
    }

    /// <summary>Rows of a root with no child: LEFT JOIN ... WHERE child.key IS NULL.</summary>
    private (FuzzDefinition, Rel?)? AntiJoin(Query q)
    {
        var withChildren = _rels.Where(r => ToMany(r).Any(c => c.Child.Name != r.Name)).ToList();
        if (withChildren.Count == 0) return null;
        var x = PickRel(withChildren);
        var (child, r) = Pick(ToMany(x).Where(c => c.Child.Name != x.Name).ToList());
        q.Reads.Add(x.Name);
        q.Reads.Add(child.Name);
        foreach (var k in x.Key) q.Output($"r.{k}", k, x.Column(k).Type);
        foreach (var v in x.Values.Take(1 + _rng.Next(2))) q.Output($"r.{v.Name}", v.Name, v.Type);
        var extra = Chance(0.3) && Filter("c", child) is { } f ? $" AND {f}" : "";
        var sql = $"SELECT {q.SelectList()}\nFROM {x.Name} r\nLEFT JOIN {child.Name} c ON {Eq("c", r.Columns, "r", x.Key)}{extra}\nWHERE c.{child.Key[0]} IS NULL";
        return q.Finish(sql, x.Key, AsRelation(q, x, []));
    }

    /// <summary>The "top" child of each root row through LEFT JOIN LATERAL (... ORDER BY ... LIMIT 1), ordered totally.</summary>
    private (FuzzDefinition, Rel?)? Lateral(Query q)
    {
        var withChildren = _rels.Where(r => ToMany(r).Any()).ToList();
        if (withChildren.Count == 0) return null;
        var x = PickRel(withChildren);
        var (child, r) = Pick(ToMany(x).ToList());
        q.Reads.Add(x.Name);
        q.Reads.Add(child.Name);
        foreach (var k in x.Key) q.Output($"r.{k}", k, x.Column(k).Type);
        var values = child.Values.ToList();
        if (values.Count == 0) values = child.KeyColumns.ToList();
        var picked = values.OrderBy(_ => _rng.Next()).Take(1 + _rng.Next(Math.Min(2, values.Count))).ToList();
        foreach (var v in picked) q.Output($"top.{v.Name}", "top_" + v.Name, v.Type);
        var order = $"top_c.{picked[0].Name} DESC NULLS LAST, " + string.Join(", ", child.Key.Select(k => $"top_c.{k}"));
        var sql = $"SELECT {q.SelectList()}\nFROM {x.Name} r\nLEFT JOIN LATERAL (SELECT {string.Join(", ", picked.Select(v => $"top_c.{v.Name}"))} FROM {child.Name} top_c\n" +
                  $"    WHERE {Eq("top_c", r.Columns, "r", x.Key)} ORDER BY {order} LIMIT 1) top ON true";
        return q.Finish(sql, x.Key, AsRelation(q, x, []));
    }

    /// <summary>Children aggregated in a CTE per reference, LEFT JOINed to the root.</summary>
    private (FuzzDefinition, Rel?)? Cte(Query q)
    {
        var withChildren = _rels.Where(r => ToMany(r).Any()).ToList();
        if (withChildren.Count == 0) return null;
        var x = PickRel(withChildren);
        var (child, r) = Pick(ToMany(x).ToList());
        q.Reads.Add(x.Name);
        q.Reads.Add(child.Name);
        foreach (var k in x.Key) q.Output($"r.{k}", k, x.Column(k).Type);
        var refs = string.Join(", ", r.Columns.Select(c => $"c.{c}"));
        var (agg, type, empty) = Aggregate("c", child);
        var where = Chance(0.3) && Filter("c", child) is { } f ? $" WHERE {f}" : "";
        q.Output("COALESCE(t.n, 0)", "n", ColType.Int);
        q.Output(empty.Length > 0 ? $"COALESCE(t.v, {empty})" : "t.v", "v", type);
        var sql = $"WITH t AS (SELECT {refs}, count(*) AS n, {agg} AS v FROM {child.Name} c{where} GROUP BY {refs})\n" +
                  $"SELECT {q.SelectList()}\nFROM {x.Name} r\nLEFT JOIN t ON {Eq("t", r.Columns, "r", x.Key)}";
        return q.Finish(sql, x.Key, AsRelation(q, x, []));
    }

    /// <summary>DISTINCT ON a non-null reference (the key): one child per parent, ordered totally.</summary>
    private (FuzzDefinition, Rel?)? DistinctOn(Query q)
    {
        var candidates = _rels.Where(r => r.Refs.Any(rf => rf.Columns.Count == 1)).ToList();
        if (candidates.Count == 0) return null;
        var x = PickRel(candidates);
        var rf = Pick(x.Refs.Where(rf => rf.Columns.Count == 1).ToList());
        var g = rf.Columns[0];
        q.Reads.Add(x.Name);
        q.Output($"r.{g}", g, ColType.Key);
        foreach (var k in x.Key.Where(k => k != g)) q.Output($"r.{k}", k, x.Column(k).Type);
        foreach (var v in x.Values.Take(1 + _rng.Next(2))) q.Output($"r.{v.Name}", v.Name, v.Type);
        var orderValue = x.Values.FirstOrDefault(v => v.Type is ColType.Int or ColType.Text);
        var order = $"r.{g}" + (orderValue is null ? "" : $", r.{orderValue.Name} DESC NULLS LAST") + ", " + string.Join(", ", x.Key.Select(k => $"r.{k}"));
        var sql = $"SELECT DISTINCT ON (r.{g}) {q.SelectList()}\nFROM {x.Name} r\nWHERE r.{g} IS NOT NULL\nORDER BY {order}";
        return q.Finish(sql, [g], null);
    }

    /// <summary>
    /// A UNION [ALL] of two or three branches, each the rows of a relation keyed by one column (sometimes
    /// with a to-one join and a filter) under a constant kind of its own; the key is (kind, id). When every
    /// branch is keyed like the first, id is the key column itself (a proven key); otherwise it is cast to
    /// text to fit (an explicit key, checked at creation and enforced). Values are cast to text so every
    /// branch fits the first.
    /// </summary>
    private (FuzzDefinition, Rel?)? Union(Query q)
    {
        var single = _rels.Where(r => r.Key.Count == 1).ToList();
        if (single.Count == 0) return null;
        var first = PickRel(single);
        var rels = new List<Rel> { first };
        for (var i = 2 + (Chance(0.3) ? 1 : 0); i > 1; i--)
            rels.Add(Chance(0.6) ? Pick(single.Where(r => r.Root == first.Root).ToList()) : Pick(single));
        var cast = rels.Any(r => r.Root != first.Root);
        var width = 1 + _rng.Next(2);
        var branches = new List<string>();
        foreach (var rel in rels)
        {
            var a = q.Alias("b");
            q.Reads.Add(rel.Name);
            var from = $"{rel.Name} {a}";
            var sources = new List<(string Alias, Rel Rel)> { (a, rel) };
            if (MaybeParentJoin(q, rel, a) is { } parent)
            {
                from += " " + parent.Join;
                sources.Add((parent.Alias, parent.Target));
            }
            var head = branches.Count == 0;
            var items = new List<string> { $"'k{branches.Count + 1}'{(head ? " AS kind" : "")}", $"{a}.{rel.Key[0]}{(cast ? "::text" : "")}{(head ? " AS id" : "")}" };
            for (var j = 0; j < width; j++)
            {
                var (va, vr) = Pick(sources);
                var values = vr.Values.ToList();
                var value = values.Count == 0 ? "NULL::text" : $"({ValueExpr(va, Pick(values)).Sql})::text";
                items.Add(head ? $"{value} AS v{j}" : value);
            }
            var where = Chance(0.3) && Filter(a, rel) is { } f ? $" WHERE {f}" : "";
            branches.Add($"SELECT {string.Join(", ", items)}\nFROM {from}{where}");
        }
        string Op() => Chance(0.25) ? "UNION" : "UNION ALL";
        var sql = branches.Count == 3 && Chance(0.5)
            ? $"({branches[0]}\n{Op()}\n{branches[1]})\n{Op()}\n{branches[2]}"
            : string.Join($"\n{Op()}\n", branches);
        return q.Finish(sql, ["kind", "id"], null);
    }

    /// <summary>
    /// Sometimes (40%) a to-one join from <paramref name="alias"/> of <paramref name="rel"/> to a parent,
    /// inner when the reference is NOT NULL and a coin says so: the join's text, the parent's alias and the parent.
    /// </summary>
    private (string Join, string Alias, Rel Target)? MaybeParentJoin(Query q, Rel rel, string alias)
    {
        var parents = ToOne(rel).ToList();
        if (parents.Count == 0 || !Chance(0.4)) return null;
        var (cols, target, notNull) = Pick(parents);
        q.Reads.Add(target.Name);
        var ja = q.Alias("j");
        return ($"{(notNull && Chance(0.5) ? "JOIN" : "LEFT JOIN")} {target.Name} {ja} ON {Eq(ja, target.Key, alias, cols)}", ja, target);
    }

    /// <summary>
    /// Rows of a relation (sometimes with a to-one join) with window functions partitioned by one or two
    /// columns of the select list other than the key: a reference, a value (NULLs are a partition too),
    /// a column of the joined relation, or none at all (the whole result). Every window is deterministic:
    /// its ORDER BY ends with the key, or the function gives ties the same value (rank, count, sum).
    /// </summary>
    private (FuzzDefinition, Rel?)? Windowed(Query q)
    {
        var x = PickRel(_rels);
        q.Reads.Add(x.Name);
        const string ra = "r";
        var from = $"{x.Name} {ra}";
        foreach (var k in x.Key) q.Output($"{ra}.{k}", k, x.Column(k).Type);
        var candidates = x.Columns.Where(c => !x.Key.Contains(c.Name) && c.Type != ColType.Jsonb).Select(c => (Sql: $"{ra}.{c.Name}", c.Name, c.Type)).ToList();
        if (MaybeParentJoin(q, x, ra) is { } parent)
        {
            var ja = parent.Alias;
            from += "\n" + parent.Join;
            candidates.AddRange(parent.Target.Columns.Where(c => c.Type != ColType.Jsonb).Select(c => (Sql: $"{ja}.{c.Name}", Name: $"{ja}_{c.Name}", c.Type)));
        }
        var order = string.Join(", ", x.Key.Select(k => $"{ra}.{k}"));
        var numbers = x.Columns.Where(c => c.Type is ColType.Int or ColType.Numeric).ToList();
        var windows = 1 + _rng.Next(3);
        for (var w = 0; w < windows; w++)
        {
            var parts = candidates.Count == 0 || Chance(0.1) ? [] : Enumerable.Range(0, Chance(0.2) ? 2 : 1).Select(_ => Pick(candidates)).Distinct().ToList();
            foreach (var part in parts)
                if (!q.Outputs.Any(o => o.Sql == part.Sql)) q.Output(part.Sql, part.Name, part.Type);
            var partition = parts.Count == 0 ? "" : "PARTITION BY " + string.Join(", ", parts.Select(p => p.Sql));
            string Over(string orderBy) => $"OVER ({string.Join(" ", new[] { partition, orderBy }.Where(z => z.Length > 0))})";
            var options = new List<(string Sql, string Name, ColType Type)>
            {
                ($"row_number() {Over($"ORDER BY {order}")}", "nth", ColType.Int),
                ($"count(*) {Over("")}", "n", ColType.Int),
                ($"lag({ra}.{x.Key[0]}) {Over($"ORDER BY {order} DESC")}", "prev", ColType.Key),
                ($"lead({ra}.{x.Key[0]}, 2) {Over($"ORDER BY {order}")}", "next", ColType.Key),
            };
            if (numbers.Count > 0)
            {
                var v = Pick(numbers);
                options.Add(($"rank() {Over($"ORDER BY {ra}.{v.Name} DESC NULLS LAST")}", "rnk", ColType.Int));
                options.Add(($"dense_rank() {Over($"ORDER BY {ra}.{v.Name}")}", "drnk", ColType.Int));
                options.Add(($"sum({ra}.{v.Name}) {Over($"ORDER BY {order}")}", "running", ColType.Numeric));
                options.Add(($"max({ra}.{v.Name}) {Over("")}", "top", ColType.Numeric));
            }
            var (sql, name, type) = Pick(options);
            q.Output(sql, name, type);
        }
        var where = Chance(0.3) && Filter(ra, x) is { } f ? $"\nWHERE {f}" : "";
        return q.Finish($"SELECT {q.SelectList()}\nFROM {from}{where}", x.Key, null);
    }

    /// <summary>A definition under construction: its name, select list (unique output names), relations read, aliases.</summary>
    private sealed class Query(string shape, int number)
    {
        private int _alias;

        public string Shape { get; } = shape;
        public string Table { get; } = $"tv_{shape}{number}";
        public List<(string Sql, string Name, ColType Type)> Outputs { get; } = [];
        public HashSet<string> Names { get; } = [];
        public List<string> Reads { get; } = [];

        public string Alias(string prefix) => $"{prefix}{++_alias}";

        public void Output(string sql, string name, ColType type)
        {
            var unique = name;
            for (var i = 2; !Names.Add(unique); i++) unique = $"{name}_{i}";
            Outputs.Add((sql, unique, type));
        }

        /// <summary>The select list; a plain column reference keeps its name, anything else is aliased.</summary>
        public string SelectList() => string.Join(",\n       ", Outputs.Select(o => IsColumn(o.Sql, o.Name) ? o.Sql : $"{o.Sql} AS {o.Name}"));

        private static bool IsColumn(string sql, string name) =>
            sql.EndsWith("." + name, StringComparison.Ordinal) && sql[..^(name.Length + 1)].All(ch => char.IsLetterOrDigit(ch) || ch == '_');

        public (FuzzDefinition, Rel?) Finish(string select, IReadOnlyList<string> key, Rel? asRelation)
        {
            var shape = Shape + (Reads.Any(r => r.StartsWith("tv_", StringComparison.Ordinal)) ? "+tv" : "");
            return (new FuzzDefinition(Table, select, key, Reads.Distinct().ToList(), shape), asRelation);
        }
    }
}
