using AimLsm.Tree;

namespace AimLsm.Streaming;

/// <summary>
/// Reads a sequence's step range in windows of about <c>target</c> points, so that streaming a long sequence whole
/// never holds more than a few windows in memory. A window is a step range; its width starts at the sequence's
/// average step density (from its metadata) and adapts to the points each read returns, doubling across gaps.
/// The range ends at the last step the metadata knew when the windows began. Not thread-safe.
/// </summary>
internal sealed class SequenceWindows
{
    private const long MaxWidth = 1L << 62;

    private readonly Sequence _sequence;
    private readonly long _end;
    private readonly int _target;
    private long _next;
    private long _width;

    public SequenceWindows(Sequence sequence, SequenceInfo info, long fromStep, long toStep, int target)
    {
        _sequence = sequence;
        _target = target;
        _next = Math.Max(fromStep, info.FirstStep);
        _end = info.LastStep == long.MaxValue ? toStep : Math.Min(toStep, info.LastStep + 1);
        if (info.Count == 0)
        {
            _end = _next;
        }

        Int128 span = (Int128)_end - _next;
        Int128 width = info.Count == 0 ? 1 : span * target / info.Count;
        _width = (long)Int128.Clamp(width, 1, MaxWidth);
    }

    /// <summary>The next window's records, never empty; null after the last.</summary>
    public SequenceData? Next()
    {
        while (_next < _end)
        {
            long to = (Int128)_next + _width >= _end ? _end : _next + _width;
            SequenceData data = _sequence.Read(_next, to);
            _next = to;
            if (data.Count == 0)
            {
                _width = _width >= MaxWidth / 2 ? MaxWidth : _width * 2;
                continue;
            }

            // Aim for `target` points in the next window: scale the width by how far this one was off.
            Int128 scaled = (Int128)_width * _target / data.Count;
            _width = (long)Int128.Clamp(scaled, Int128.Max(1, _width / 8), Int128.Min(MaxWidth, (Int128)_width * 8));
            return data;
        }

        return null;
    }
}
