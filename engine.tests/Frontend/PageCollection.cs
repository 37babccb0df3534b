namespace AimLsm.Tests.Frontend;

/// <summary>The page's tests share one browser and one served repo, and run one after another: the machine has two cores.</summary>
[CollectionDefinition("Page")]
public sealed class PageCollection : ICollectionFixture<PageFixture>;
