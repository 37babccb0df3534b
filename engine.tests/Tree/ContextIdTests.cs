using AimLsm.Tree;

namespace AimLsm.Tests.Tree;

/// <summary>
/// A context's id is part of every sequence key a repo has written (docs/aim-repo.md), so the hash behind it may
/// never change. The ids below were computed by the engine's own XXH64 (engine/Lsm/Sst/XxHash64.cs) before
/// Context switched to System.IO.Hashing; the second test shows the two hashes agree bit for bit.
/// </summary>
public class ContextIdTests
{
    [Fact]
    public void Ids_AreTheOnesRepositoriesAlreadyHold()
    {
        Assert.Equal(-1205034819632174695L, new Context().Id);
        Assert.Equal(-5570496496671330542L, new Context { ["subset"] = "train" }.Id);
        Assert.Equal(1323065599166116369L, new Context { ["subset"] = "val", ["fold"] = 3L, ["lr"] = 0.5, ["ok"] = true, ["none"] = null }.Id);
    }

    [Fact]
    public void SystemIoHashing_MatchesTheEnginesXxHash64()
    {
        // Every length up to 300 covers each tail path (1, 4 and 8-byte steps) and several 32-byte stripes.
        var random = new Random(16);
        for (int n = 0; n <= 300; n++)
        {
            byte[] data = new byte[n];
            random.NextBytes(data);
            Assert.Equal(AimLsm.Lsm.Sst.XxHash64.Hash(data), System.IO.Hashing.XxHash64.HashToUInt64(data));
        }
    }
}
