namespace AimLsm.Query.Runtime.Unicode;

/// <summary>
/// The full case mappings of one code point, as Python's str methods apply them: each a string of one to three code
/// points (<c>'ß'</c> uppercases to <c>"SS"</c>). <see cref="Lower"/> is the context-free mapping; Final_Sigma is
/// applied by <see cref="PyCasing"/>.
/// </summary>
/// <param name="Lower">str.lower of the code point alone.</param>
/// <param name="Upper">str.upper.</param>
/// <param name="Title">The titlecase mapping (str.title of the code point alone).</param>
/// <param name="Fold">str.casefold.</param>
internal sealed record CaseMapping(string Lower, string Upper, string Title, string Fold);
