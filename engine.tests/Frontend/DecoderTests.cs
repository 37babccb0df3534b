using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using AimLsm.Streaming;
using AimLsm.Tests.Streaming;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Tests.Frontend;

/// <summary>
/// The page's own stream decoder (wwwroot/js/decoder.js), run in the browser over streams written by
/// <see cref="AimStreamWriter"/>: every value type, numpy columns (float64 and int64), run objects of both shapes,
/// sequence chunks, progress, fed in pieces cut at random bytes; and truncated streams, whose error names the
/// offset of the record the stream ended in. Its result must equal what the .NET reader reads from the same bytes.
/// </summary>
[Collection("Page")]
public class DecoderTests(PageFixture fixture)
{
    /// <summary>Decodes base64 bytes fed in pieces ending at the given cuts; returns the objects (canonical JSON) and
    /// the error, if the stream did not end cleanly.</summary>
    private const string DecodeScript = """
        async ([b64, cuts]) => {
          const m = await import('/ui/js/decoder.js');
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const canon = (v) => {
            if (v === null || v === undefined) return null;
            if (typeof v === 'bigint') return { int: v.toString() };
            if (typeof v === 'number') return Number.isFinite(v) ? v : { float: String(v) };
            if (typeof v === 'string' || typeof v === 'boolean') return v;
            if (v instanceof Uint8Array) { let s = ''; for (const b of v) s += String.fromCharCode(b); return { bytes: btoa(s) }; }
            if (v instanceof Float64Array) return { f64: Array.from(v, (x) => (Number.isFinite(x) ? x : String(x))) };
            if (Array.isArray(v)) return v.map(canon);
            const o = Object.create(null);
            for (const k of Object.keys(v)) o[k] = canon(v[k]);
            return o;
          };
          const objects = [];
          const decoder = new m.StreamDecoder((o) => objects.push({ key: canon(o.key), kind: o.kind, offset: o.offset, value: canon(o.value) }));
          let at = 0;
          try {
            for (const cut of [...cuts, bytes.length]) { decoder.push(bytes.slice(at, cut)); at = cut; }
            decoder.end();
          } catch (e) {
            return JSON.stringify({ objects, error: e.message, offset: e.offset ?? null, name: e.name });
          }
          return JSON.stringify({ objects });
        }
        """;

    [BrowserFact]
    public async Task Every_value_type_decodes_as_the_dotnet_reader_reads_it_whatever_the_chunk_boundaries()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(async writer =>
        {
            await writer.WriteObjectAsync("values", EveryValueType());
            await writer.WriteProgressAsync(1, 3);
            await writer.WriteObjectAsync(42, new List<object?> { 1L, "int key", new Dictionary<string, object?>() });
            await writer.WriteProgressAsync(2, 3);
            await writer.WriteObjectAsync("object", new AimObject("aim.image") { Fields = { ["width"] = 4L, ["caption"] = "a <b>cat</b>", ["data"] = new byte[] { 0, 254, 255 } } });
            await writer.WriteProgressAsync(3, 3);
        });

        await AssertDecodesAsAsync(bytes, new Random(17), rounds: 6);
    }

    [BrowserFact]
    public async Task Run_objects_with_numpy_columns_and_sequence_chunks_decode_as_the_dotnet_reader_reads_them()
    {
        using var repo = new StreamTestRepo();
        Run run = repo.AddRun(r =>
        {
            r["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.01, ["layers"] = new List<object?> { 64L, 32L }, ["nan"] = double.NaN };
            Sequence loss = r.GetSequence("loss", new Context { ["subset"] = "train" });
            Sequence big = r.GetSequence("big");
            for (int step = 0; step < 2_500; step++)
            {
                loss.Track(step % 97 == 0 ? double.NaN : 1.0 / (step + 1), step: step, epoch: step / 1000);
                big.Track((1L << 60) + step, step: step * 3);
            }
        });

        // A metric search's run object (sampled, numpy float64 and int64 columns), a run search's (metadata only),
        // then both sequences streamed whole in chunks of 700 points.
        byte[] search = await StreamTestKit.WriteAsync(async writer =>
        {
            await writer.WriteRunAsync(run, run.Sequences);
            await writer.WriteProgressAsync(1, 1);
        }, new StreamOptions { Density = 300 });
        byte[] overview = await StreamTestKit.WriteAsync(async writer =>
        {
            await writer.WriteRunAsync(run);
            await writer.WriteProgressAsync(1, 1);
        });
        byte[] chunks = await StreamTestKit.WriteAsync(async writer =>
        {
            foreach (SequenceInfo info in run.Sequences)
            {
                await writer.WriteSequenceAsync(run.GetSequence(info.Name, info.Context));
            }
        }, new StreamOptions { ChunkPoints = 700 });

        var random = new Random(23);
        await AssertDecodesAsAsync(search, random, rounds: 3);
        await AssertDecodesAsAsync(overview, random, rounds: 3);
        await AssertDecodesAsAsync(chunks, random, rounds: 3);
    }

    [BrowserFact]
    public async Task A_truncated_stream_is_an_error_at_the_offset_of_the_record_it_ended_in_after_the_complete_objects()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(async writer =>
        {
            await writer.WriteObjectAsync("first", EveryValueType());
            await writer.WriteProgressAsync(1, 2);
            await writer.WriteObjectAsync("second", new Dictionary<string, object?> { ["column"] = new string('x', 300) });
        });
        await using BrowserPage page = await fixture.OpenAsync("#/runs");
        var random = new Random(5);
        for (int round = 0; round < 12; round++)
        {
            int length = random.Next(1, bytes.Length);
            byte[] truncated = bytes[..length];
            (List<StreamObject> expected, long? expectedOffset) = await ReadDotnetAsync(truncated);
            if (expectedOffset is { } end)
            {
                // The decoder hands out an object once a complete record of the next one arrives: every object
                // before the one the last complete record belongs to.
                (expected, _) = await ReadDotnetAsync(bytes[..(int)end]);
                if (expected.Count > 0)
                {
                    expected.RemoveAt(expected.Count - 1);
                }
            }

            using JsonDocument result = await DecodeInBrowserAsync(page.Page, truncated, Cuts(random, length));
            JsonElement root = result.RootElement;
            if (expectedOffset is null)
            {
                // Cut between two records: a clean end, with a last object shorter than written.
                Assert.False(root.TryGetProperty("error", out _), $"length {length}: {root}");
            }
            else
            {
                Assert.Equal("StreamError", root.GetProperty("name").GetString());
                Assert.Equal(expectedOffset, root.GetProperty("offset").GetInt64());
                Assert.Contains("the stream ended inside a record", root.GetProperty("error").GetString());
            }

            AssertSameObjects(expected, root.GetProperty("objects"), $"length {length}");
        }

        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task A_stream_of_a_newer_format_version_or_with_a_damaged_length_is_refused_with_its_offset()
    {
        byte[] good = await StreamTestKit.WriteAsync(writer => writer.WriteObjectAsync("a", 1L).AsTask());
        await using BrowserPage page = await fixture.OpenAsync("#/runs");

        // The marker's third item is the version (format.md 14.2): its record is the 4th of the stream ([0, 0, 2]).
        byte[] newer = (byte[])good.Clone();
        int versionAt = IndexOfLastInt(newer, 2, before: IndexOf(newer, "a"u8.ToArray().Concat(new byte[] { 0xFE }).ToArray()));
        newer[versionAt] = 9;
        using (JsonDocument result = await DecodeInBrowserAsync(page.Page, newer, []))
        {
            Assert.Contains("format version 9", result.RootElement.GetProperty("error").GetString());
            Assert.Equal(0, result.RootElement.GetProperty("offset").GetInt64());
        }

        byte[] damaged = (byte[])good.Clone();
        int last = good.Length - 19; // the last record ('a',) = 1 is 19 bytes; its key length first
        damaged[last + 3] = 0x7F;
        using (JsonDocument result = await DecodeInBrowserAsync(page.Page, damaged, []))
        {
            Assert.Contains("above the limit", result.RootElement.GetProperty("error").GetString());
            Assert.Equal(last, result.RootElement.GetProperty("offset").GetInt64());
        }
    }

    private static Dictionary<string, object?> EveryValueType() => new()
    {
        ["none"] = null,
        ["true"] = true,
        ["false"] = false,
        ["int"] = -123456789L,
        ["big"] = (1L << 60) + 1,
        ["min"] = long.MinValue,
        ["float"] = 0.1,
        ["nan"] = double.NaN,
        ["inf"] = double.PositiveInfinity,
        ["ninf"] = double.NegativeInfinity,
        ["negzero"] = -0.0,
        ["str"] = "α-γ 🎉 <b>x</b>",
        ["empty"] = string.Empty,
        ["bytes"] = new byte[] { 0, 1, 254, 255 },
        ["list"] = new List<object?> { 1L, "two", new List<object?> { 3.5, null }, new Dictionary<string, object?> { ["k"] = "v" } },
        ["empty_list"] = new List<object?>(),
        ["dict"] = new Dictionary<string, object?> { ["nested"] = new Dictionary<string, object?> { ["deep"] = 1L } },
        ["empty_dict"] = new Dictionary<string, object?>(),
        ["by_int"] = new Dictionary<long, object?> { [10] = "ten", [-2] = "minus two" },
        ["__proto__"] = "not a prototype",
        ["custom"] = new AimObject("my.type") { Fields = { ["x"] = 1L } },
    };

    private async Task AssertDecodesAsAsync(byte[] bytes, Random random, int rounds)
    {
        (List<StreamObject> expected, long? error) = await ReadDotnetAsync(bytes);
        Assert.Null(error);
        await using BrowserPage page = await fixture.OpenAsync("#/runs");
        for (int round = 0; round < rounds; round++)
        {
            // Round 0 in one piece, then random cuts (every byte a candidate, some cuts one byte apart).
            List<int> cuts = round == 0 ? [] : Cuts(random, bytes.Length);
            using JsonDocument result = await DecodeInBrowserAsync(page.Page, bytes, cuts);
            Assert.False(result.RootElement.TryGetProperty("error", out JsonElement e), e.ToString());
            AssertSameObjects(expected, result.RootElement.GetProperty("objects"), $"cuts {string.Join(',', cuts)}");
        }

        Assert.Empty(page.Errors);
    }

    private static List<int> Cuts(Random random, int length)
    {
        var cuts = new SortedSet<int>();
        int count = random.Next(1, Math.Min(60, length));
        for (int i = 0; i < count; i++)
        {
            int at = random.Next(1, length);
            cuts.Add(at);
            if (random.Next(4) == 0 && at + 1 < length)
            {
                cuts.Add(at + 1);
            }
        }

        return [.. cuts];
    }

    private static async Task<JsonDocument> DecodeInBrowserAsync(Microsoft.Playwright.IPage page, byte[] bytes, List<int> cuts)
    {
        string json = await page.EvaluateAsync<string>(DecodeScript, new object[] { Convert.ToBase64String(bytes), cuts.ToArray() });
        return JsonDocument.Parse(json);
    }

    private static async Task<(List<StreamObject> Objects, long? ErrorOffset)> ReadDotnetAsync(byte[] bytes)
    {
        var objects = new List<StreamObject>();
        try
        {
            await foreach (StreamObject obj in AimStreamReader.ReadObjectsAsync(new SplitPipeReader(bytes, [])))
            {
                objects.Add(obj);
            }
        }
        catch (StreamFormatException e)
        {
            return (objects, e.Offset);
        }

        return (objects, null);
    }

    private static void AssertSameObjects(List<StreamObject> expected, JsonElement actual, string because)
    {
        Assert.True(expected.Count == actual.GetArrayLength(), $"{because}: {expected.Count} objects expected, {actual.GetArrayLength()} decoded");
        for (int i = 0; i < expected.Count; i++)
        {
            JsonElement obj = actual[i];
            StreamObject want = expected[i];
            Assert.Equal(want.Offset, obj.GetProperty("offset").GetInt64());
            Assert.Equal(want.Kind switch { StreamObjectKind.Marker => "marker", StreamObjectKind.Progress => "progress", _ => "data" }, obj.GetProperty("kind").GetString());
            string key = want.Key.IsInt ? want.Key.Int.ToString(System.Globalization.CultureInfo.InvariantCulture) : want.Key.String;
            Assert.Equal(key, obj.GetProperty("key").ToString());
            JsonNode? canonical = Canonical(want.Value);
            using JsonDocument wanted = JsonDocument.Parse(canonical?.ToJsonString() ?? "null");
            AssertSameJson(wanted.RootElement, obj.GetProperty("value"), $"{because}, object {i} ({key})");
        }
    }

    /// <summary>The .NET reader's value in the canonical form the script gives the decoder's.</summary>
    private static JsonNode? Canonical(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        long l when Math.Abs((double)l) <= 9007199254740991 => JsonValue.Create(l),
        long l => new JsonObject { ["int"] = l.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        double d when double.IsFinite(d) => JsonValue.Create(d),
        double d => new JsonObject { ["float"] = double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity" },
        byte[] bytes => new JsonObject { ["bytes"] = Convert.ToBase64String(bytes) },
        AimObject o => Fields(o.Fields, new JsonObject { ["$type"] = o.TypeName }),
        IDictionary dict when dict.Contains("type") && Equals(dict["type"], "numpy") => Numpy(dict),
        IDictionary dict => Fields(dict, new JsonObject()),
        IList list => new JsonArray([.. list.Cast<object?>().Select(Canonical)]),
        _ => throw new InvalidOperationException($"no canonical form for {value.GetType()}"),
    };

    private static JsonObject Fields(IDictionary fields, JsonObject into)
    {
        foreach (DictionaryEntry entry in fields)
        {
            into[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!] = Canonical(entry.Value);
        }

        return into;
    }

    private static JsonObject Numpy(IDictionary dict)
    {
        byte[] blob = (byte[])dict["blob"]!;
        var column = new JsonArray();
        for (int i = 0; i < blob.Length; i += 8)
        {
            double x = (string)dict["dtype"]! == "int64"
                ? BitConverter.ToInt64(blob, i) is var l && l == long.MinValue ? double.NaN : l
                : BitConverter.ToDouble(blob, i);
            column.Add(double.IsFinite(x) ? JsonValue.Create(x) : JsonValue.Create(double.IsNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity"));
        }

        return new JsonObject { ["f64"] = column };
    }

    private static void AssertSameJson(JsonElement expected, JsonElement actual, string where)
    {
        if (expected.ValueKind == JsonValueKind.Number && actual.ValueKind == JsonValueKind.Number)
        {
            Assert.True(expected.GetDouble().Equals(actual.GetDouble()), $"{where}: {expected} != {actual}");
            return;
        }

        Assert.True(expected.ValueKind == actual.ValueKind, $"{where}: {expected.ValueKind} {expected} != {actual.ValueKind} {actual}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var names = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                Assert.True(names.SequenceEqual(actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)), $"{where}: keys {string.Join(',', names)} != {actual}");
                foreach (string name in names)
                {
                    AssertSameJson(expected.GetProperty(name), actual.GetProperty(name), where + "." + name);
                }

                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{where}: {expected.GetArrayLength()} items != {actual.GetArrayLength()}");
                for (int i = 0; i < expected.GetArrayLength(); i++)
                {
                    AssertSameJson(expected[i], actual[i], $"{where}[{i}]");
                }

                break;
            default:
                Assert.True(expected.ToString() == actual.ToString(), $"{where}: {expected} != {actual}");
                break;
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        throw new InvalidOperationException("not found");
    }

    /// <summary>The offset of the first payload byte of the last int value equal to <paramref name="value"/> before <paramref name="before"/>.</summary>
    private static int IndexOfLastInt(byte[] bytes, long value, int before)
    {
        byte[] encoded = [0x02, .. BitConverter.GetBytes(value)];
        for (int i = before - encoded.Length; i >= 0; i--)
        {
            if (bytes.AsSpan(i, encoded.Length).SequenceEqual(encoded))
            {
                return i + 1;
            }
        }

        throw new InvalidOperationException("not found");
    }
}
