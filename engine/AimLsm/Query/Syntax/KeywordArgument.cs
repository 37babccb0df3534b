namespace AimLsm.Query.Syntax;

/// <summary><c>name=value</c> in a call; <paramref name="Start"/> is where the name begins.</summary>
internal sealed record KeywordArgument(int Start, string Name, SyntaxNode Value);
