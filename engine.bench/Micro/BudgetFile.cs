using System.Text.Json;
using System.Text.Json.Serialization;

namespace AimLsm.Bench.Micro;

/// <summary>
/// engine.bench/budget.json: the managed bytes each micro-benchmark may allocate per operation (Garnet's habit).
/// An entry may carry <c>knownOverBudget</c>, a reason: the check then reports it as KNOWN instead of failing, until
/// the engine is fixed and the entry removed. Raising a budget needs a reason in <c>why</c>.
/// </summary>
internal sealed class BudgetFile
{
    [JsonPropertyName("benchmarks")]
    public List<BudgetEntry> Benchmarks { get; set; } = [];

    public static BudgetFile Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return JsonSerializer.Deserialize<BudgetFile>(s, new JsonSerializerOptions { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
            ?? throw new InvalidDataException($"{path} is empty");
    }
}

internal sealed class BudgetEntry
{
    /// <summary><c>Class.Method</c> of the benchmark.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("bytesPerOp")]
    public long BytesPerOp { get; set; }

    /// <summary>Why the budget is what it is (required when it is not 0).</summary>
    [JsonPropertyName("why")]
    public string? Why { get; set; }

    /// <summary>When set, exceeding the budget is a known engine problem, reported but not failing.</summary>
    [JsonPropertyName("knownOverBudget")]
    public string? KnownOverBudget { get; set; }
}
