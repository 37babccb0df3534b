using System.Buffers.Binary;
using AimLsm.Streaming;
using AimLsm.Tests.Tree.Encoding;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Tests.Streaming;

/// <summary>
/// Golden streams of Aim's own bytes: what Aim 3.29's run search and metric search send for a small repo, written by
/// hand from Aim's source (aimhubio/aim), record by record, each citing the file and line it follows. Neither our
/// writer nor a port of Aim's code made them. They are decoded with <see cref="AimStreamReader"/>, and our writer's
/// stream of the same repo is compared with them record by record: equal except for the differences listed in
/// <see cref="RunSearchDifferences"/> and <see cref="MetricSearchDifferences"/>.
/// </summary>
/// <remarks>
/// <para><b>The repo.</b> One run, hash H = <c>5b1b2e0c8a9d4f6e7a3c2d10</c> (Aim's <c>run.hash</c>), created with
/// <c>system_tracking_interval=None, capture_terminal_logs=False</c> so that it holds no system metrics and no
/// terminal logs; name <c>'baseline'</c>, no description, experiment <c>'default'</c> (uuid
/// <c>3f1c5e9a-7b2d-4c8e-9a0f-1d2e3f4a5b6c</c>, no description), no tags, not archived, created at Unix time
/// 1700000000.25 and closed at 1700000100.5; <c>run['hparams'] = {'lr': 0.01, 'batch': 32}</c>; and
/// <c>run.track(v, name='loss', step=s, epoch=0, context={'subset': 'train'})</c> for (s, v) = (0, 0.5), (1, 0.25),
/// (2, 0.125), at Unix times 1700000001, 1700000002, 1700000003. Searched with <c>q=''</c> (every run; p=500 for the
/// metric search), quickly enough that Aim's 0.5 s heartbeat progress key (utils.py:276-281, 207-212) is not sent.</para>
/// <para><b>Where each byte comes from</b> (file:line of Aim 3.29 as read with the search tool; utils.py is
/// <c>aim/web/api/runs/utils.py</c>, treeutils.pyx <c>aim/storage/treeutils.pyx</c>, encoding.pyx and encoding.pxd
/// <c>aim/storage/encoding/</c>, tracker.py <c>aim/sdk/tracker.py</c>, run.py <c>aim/sdk/run.py</c>):</para>
/// <list type="bullet">
/// <item>Each top-level object is <c>collect_streamable_data(encode_tree({key: object}))</c> (utils.py:291, 294, 302 for
/// the run search; 247, 250, 255 for the metric search). <c>encode_tree</c> is <c>encode_paths_vals(unfold_tree(obj))</c>
/// (treeutils.pyx:180-186), and each record is framed as <c>struct.pack('I', len(key)) + key + struct.pack('I',
/// len(val)) + val</c> (utils.py:157): a u32 little-endian length, the key, a u32 little-endian length, the value. The
/// records below are written as those four fields, in hex.</item>
/// <item><c>unfold_tree</c> (treeutils.pyx:17-50) walks dicts in insertion order without a record of their own unless
/// empty (treeutils.pyx:45-50), writes a list as its ArrayFlag then its elements at int keys 0, 1, ...
/// (treeutils.pyx:37-44), and a scalar as one record (treeutils.pyx:31-34).</item>
/// <item>Keys: <c>encode_path</c> joins each segment's <c>encode_key</c> followed by the sentinel FE
/// (encoding.pyx:196, 39): a str segment is its UTF-8 bytes (encoding.pyx:159-161), an int segment FE then the int64
/// big-endian (encoding.pyx:163), so an int segment is <c>FE xx xx xx xx xx xx xx xx FE</c>. In the arrays, H is the
/// hash's key segment, <c>'5b1b2e0c8a9d4f6e7a3c2d10' FE</c>.</item>
/// <item>Values: <c>encode</c> (encoding.pyx:43-106) writes one type byte (<c>FLAGS</c>, encoding.pxd:6-15: 00 None,
/// 01 bool, 02 int, 03 float, 04 str, 05 bytes, 06 array) then the payload: bool 00/01 (encoding.pyx:62-66), int64
/// in machine order, little-endian (encoding.pyx:67-70), a double little-endian (encoding.pyx:71-74), UTF-8
/// (encoding.pyx:75-78), the bytes as they are (encoding.pyx:79-82), nothing for None and the ArrayFlag
/// (encoding.pyx:58-61, 83-87).</item>
/// <item>Progress: <c>QueryRunSequenceCollection.iter_runs</c> and <c>QuerySequenceCollection.iter_runs</c>
/// (<c>aim/sdk/sequence_collection.py</c>) yield <c>(runs_counter, total_runs)</c> with each run, here (1, 1); the
/// streamer sends it after the run (utils.py:293-296, 249-252) and once more at the end (utils.py:301-302,
/// 254-255).</item>
/// </list>
/// </remarks>
public class AimGoldenStreamTests
{
    private const string Hash = "5b1b2e0c8a9d4f6e7a3c2d10";

    /// <summary>The hash's key segment: its UTF-8 bytes and FE.</summary>
    private const string H = "356231623265306338613964346636653761336332643130fe";

    /// <summary>The run's <c>props</c>, <c>get_run_props(run)</c> (utils.py:80-99), in its insertion order.</summary>
    private static readonly string[] Props =
    [
        // (H, 'props', 'name') = 'baseline'; utils.py:82
        "24000000", H + "70726f7073fe6e616d65fe", "09000000", "04626173656c696e65",
        // (H, 'props', 'description') = None; utils.py:83
        "2b000000", H + "70726f7073fe6465736372697074696f6efe", "01000000", "00",
        // (H, 'props', 'experiment', 'id') = '3f1c5e9a-7b2d-4c8e-9a0f-1d2e3f4a5b6c'; utils.py:85 (a uuid in Aim)
        "2d000000", H + "70726f7073fe6578706572696d656e74fe6964fe", "25000000", "0433663163356539612d376232642d346338652d396130662d316432653366346135623663",
        // (H, 'props', 'experiment', 'name') = 'default'; utils.py:86
        "2f000000", H + "70726f7073fe6578706572696d656e74fe6e616d65fe", "08000000", "0464656661756c74",
        // (H, 'props', 'experiment', 'description') = None; utils.py:87
        "36000000", H + "70726f7073fe6578706572696d656e74fe6465736372697074696f6efe", "01000000", "00",
        // (H, 'props', 'tags') = list (06); utils.py:91-94, no tags: treeutils.pyx:41 ArrayFlag only
        "24000000", H + "70726f7073fe74616773fe", "01000000", "06",
        // (H, 'props', 'archived') = False; utils.py:95
        "28000000", H + "70726f7073fe6172636869766564fe", "02000000", "0100",
        // (H, 'props', 'creation_time') = 1700000000.25; utils.py:96
        "2d000000", H + "70726f7073fe6372656174696f6e5f74696d65fe", "09000000", "0300001040fc54d941",
        // (H, 'props', 'end_time') = 1700000100.5; utils.py:97
        "28000000", H + "70726f7073fe656e645f74696d65fe", "09000000", "0300002059fc54d941",
        // (H, 'props', 'active') = False; utils.py:98
        "26000000", H + "70726f7073fe616374697665fe", "02000000", "0100",
    ];

    /// <summary>The run's <c>params</c>, <c>get_run_params</c> (utils.py:73-77): the attrs tree folded in key order.</summary>
    private static readonly string[] Params =
    [
        // (H, 'params', 'hparams', 'batch') = 32; utils.py:73-77, folded in key order
        "2e000000", H + "706172616d73fe68706172616d73fe6261746368fe", "09000000", "022000000000000000",
        // (H, 'params', 'hparams', 'lr') = 0.01; same
        "2b000000", H + "706172616d73fe68706172616d73fe6c72fe", "09000000", "037b14ae47e17a843f",
    ];

    /// <summary>The progress after the run and at the end (utils.py:293-296 and 301-302; 249-252 and 254-255).</summary>
    private static readonly string[] Progress =
    [
        // ('progress_0') = list (06); after the run: the tuple (runs_counter, total_runs), treeutils.pyx:41
        "0b000000", "70726f67726573735f30fe", "01000000", "06",
        // ('progress_0', 0) = 1; treeutils.pyx:43
        "15000000", "70726f67726573735f30fefe0000000000000000fe", "09000000", "020100000000000000",
        // ('progress_0', 1) = 1; treeutils.pyx:43
        "15000000", "70726f67726573735f30fefe0000000000000001fe", "09000000", "020100000000000000",
        // ('progress_1') = list (06); the last progress again, at the end: the tuple (runs_counter, total_runs), treeutils.pyx:41
        "0b000000", "70726f67726573735f31fe", "01000000", "06",
        // ('progress_1', 0) = 1; treeutils.pyx:43
        "15000000", "70726f67726573735f31fefe0000000000000000fe", "09000000", "020100000000000000",
        // ('progress_1', 1) = 1; treeutils.pyx:43
        "15000000", "70726f67726573735f31fefe0000000000000001fe", "09000000", "020100000000000000",
    ];

    /// <summary>
    /// Aim's run search, <c>GET /api/runs/search/run/?q=</c> (<c>run_search_result_streamer</c>, utils.py:260-305): the
    /// run object <c>{H: {'props': ..., 'params': ..., 'traces': ...}}</c> in that insertion order (utils.py:285-289),
    /// whose traces are <c>run.collect_sequence_info(sequence_types='metric')</c> (run.py:637-680: a dict from
    /// sequence type to a list of <c>{'context', 'name', 'values'}</c>, run.py:672-677, where <c>values</c> is the
    /// trace's folded meta subtree, whose keys come in encoded-path order: <c>first_step</c> FE sorts before
    /// <c>first</c> FE); then the two progress objects.
    /// </summary>
    private static readonly string[] RunSearch =
    [
        .. Props,
        .. Params,
        // (H, 'traces', 'metric') = list (06); collect_sequence_info: run.py:658 traces_overview['metric'] = [], treeutils.pyx:41
        "27000000", H + "747261636573fe6d6574726963fe", "01000000", "06",
        // (H, 'traces', 'metric', 0, 'context', 'subset') = 'train'; run.py:673 (no ObjectFlag: the dict is not empty, treeutils.pyx:47)
        "40000000", H + "747261636573fe6d6574726963fefe0000000000000000fe636f6e74657874fe737562736574fe", "06000000", "04747261696e",
        // (H, 'traces', 'metric', 0, 'name') = 'loss'; run.py:674
        "36000000", H + "747261636573fe6d6574726963fefe0000000000000000fe6e616d65fe", "05000000", "046c6f7373",
        // (H, 'traces', 'metric', 0, 'values', 'dtype') = 'float'; run.py:677 values; tracker.py:235
        "3e000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe6474797065fe", "06000000", "04666c6f6174",
        // (H, 'traces', 'metric', 0, 'values', 'first_step') = 0; run.py:677 values; tracker.py:238
        "43000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe66697273745f73746570fe", "09000000", "020000000000000000",
        // (H, 'traces', 'metric', 0, 'values', 'first') = 0.5; run.py:677 values; tracker.py:237
        "3e000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe6669727374fe", "09000000", "03000000000000e03f",
        // (H, 'traces', 'metric', 0, 'values', 'last_step') = 2; run.py:677 values; tracker.py:244
        "42000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe6c6173745f73746570fe", "09000000", "020200000000000000",
        // (H, 'traces', 'metric', 0, 'values', 'last') = 0.125; run.py:677 values; tracker.py:243
        "3d000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe6c617374fe", "09000000", "03000000000000c03f",
        // (H, 'traces', 'metric', 0, 'values', 'max') = 0.5; run.py:677 values; tracker.py:250
        "3c000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe6d6178fe", "09000000", "03000000000000e03f",
        // (H, 'traces', 'metric', 0, 'values', 'min') = 0.125; run.py:677 values; tracker.py:253
        "3c000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe6d696efe", "09000000", "03000000000000c03f",
        // (H, 'traces', 'metric', 0, 'values', 'version') = 2; run.py:677 values; tracker.py:236, 2 for a float metric (tracker.py:195)
        "40000000", H + "747261636573fe6d6574726963fefe0000000000000000fe76616c756573fe76657273696f6efe", "09000000", "020200000000000000",
        .. Progress,
    ];

    /// <summary>
    /// Aim's metric search, <c>GET /api/runs/search/metric/?q=&amp;p=500</c> (<c>metric_search_result_streamer</c>,
    /// utils.py:194-257): the run object <c>{H: {'params', 'traces', 'props'}}</c> (utils.py:239-245), its one trace
    /// <c>{'name', 'context', 'slice', 'values', 'iters', 'epochs', 'timestamps', 'x_axis_values', 'x_axis_iters'}</c>
    /// (utils.py:224-236), each column a numpy encodable <c>{'type', 'shape', 'dtype', 'blob'}</c> (utils.py:115-128)
    /// of the 3 points (all of them: fewer than p); then the two progress objects.
    /// </summary>
    private static readonly string[] MetricSearch =
    [
        .. Params,
        // (H, 'traces') = list (06); utils.py:242, treeutils.pyx:41
        "20000000", H + "747261636573fe", "01000000", "06",
        // (H, 'traces', 0, 'name') = 'loss'; utils.py:226
        "2f000000", H + "747261636573fefe0000000000000000fe6e616d65fe", "05000000", "046c6f7373",
        // (H, 'traces', 0, 'context', 'subset') = 'train'; utils.py:227
        "39000000", H + "747261636573fefe0000000000000000fe636f6e74657874fe737562736574fe", "06000000", "04747261696e",
        // (H, 'traces', 0, 'slice') = list (06); utils.py:228, the placeholder [0, 0, steps_num]
        "30000000", H + "747261636573fefe0000000000000000fe736c696365fe", "01000000", "06",
        // (H, 'traces', 0, 'slice', 0) = 0; utils.py:228
        "3a000000", H + "747261636573fefe0000000000000000fe736c696365fefe0000000000000000fe", "09000000", "020000000000000000",
        // (H, 'traces', 0, 'slice', 1) = 0; utils.py:228
        "3a000000", H + "747261636573fefe0000000000000000fe736c696365fefe0000000000000001fe", "09000000", "020000000000000000",
        // (H, 'traces', 0, 'slice', 2) = 500; utils.py:228, p=500
        "3a000000", H + "747261636573fefe0000000000000000fe736c696365fefe0000000000000002fe", "09000000", "02f401000000000000",
        // (H, 'traces', 0, 'values', 'type') = 'numpy'; utils.py:229; utils.py:117
        "36000000", H + "747261636573fefe0000000000000000fe76616c756573fe74797065fe", "06000000", "046e756d7079",
        // (H, 'traces', 0, 'values', 'shape') = 3; utils.py:118
        "37000000", H + "747261636573fefe0000000000000000fe76616c756573fe7368617065fe", "09000000", "020300000000000000",
        // (H, 'traces', 0, 'values', 'dtype') = 'float64'; utils.py:119
        "37000000", H + "747261636573fefe0000000000000000fe76616c756573fe6474797065fe", "08000000", "04666c6f61743634",
        // (H, 'traces', 0, 'values', 'blob') = bytes (05) of 24; utils.py:123/127: 0.5, 0.25, 0.125 as little-endian doubles
        "36000000", H + "747261636573fefe0000000000000000fe76616c756573fe626c6f62fe", "19000000", "05000000000000e03f000000000000d03f000000000000c03f",
        // (H, 'traces', 0, 'iters', 'type') = 'numpy'; utils.py:230, int64 steps as float64 (utils.py:127); utils.py:117
        "35000000", H + "747261636573fefe0000000000000000fe6974657273fe74797065fe", "06000000", "046e756d7079",
        // (H, 'traces', 0, 'iters', 'shape') = 3; utils.py:118
        "36000000", H + "747261636573fefe0000000000000000fe6974657273fe7368617065fe", "09000000", "020300000000000000",
        // (H, 'traces', 0, 'iters', 'dtype') = 'float64'; utils.py:119
        "36000000", H + "747261636573fefe0000000000000000fe6974657273fe6474797065fe", "08000000", "04666c6f61743634",
        // (H, 'traces', 0, 'iters', 'blob') = bytes (05) of 24; utils.py:123/127: 0.0, 1.0, 2.0 as little-endian doubles
        "35000000", H + "747261636573fefe0000000000000000fe6974657273fe626c6f62fe", "19000000", "050000000000000000000000000000f03f0000000000000040",
        // (H, 'traces', 0, 'epochs', 'type') = 'numpy'; utils.py:231, int64 epochs as float64 (utils.py:127); utils.py:117
        "36000000", H + "747261636573fefe0000000000000000fe65706f636873fe74797065fe", "06000000", "046e756d7079",
        // (H, 'traces', 0, 'epochs', 'shape') = 3; utils.py:118
        "37000000", H + "747261636573fefe0000000000000000fe65706f636873fe7368617065fe", "09000000", "020300000000000000",
        // (H, 'traces', 0, 'epochs', 'dtype') = 'float64'; utils.py:119
        "37000000", H + "747261636573fefe0000000000000000fe65706f636873fe6474797065fe", "08000000", "04666c6f61743634",
        // (H, 'traces', 0, 'epochs', 'blob') = bytes (05) of 24; utils.py:123/127: 0.0, 0.0, 0.0 as little-endian doubles
        "36000000", H + "747261636573fefe0000000000000000fe65706f636873fe626c6f62fe", "19000000", "05000000000000000000000000000000000000000000000000",
        // (H, 'traces', 0, 'timestamps', 'type') = 'numpy'; utils.py:232; utils.py:117
        "3a000000", H + "747261636573fefe0000000000000000fe74696d657374616d7073fe74797065fe", "06000000", "046e756d7079",
        // (H, 'traces', 0, 'timestamps', 'shape') = 3; utils.py:118
        "3b000000", H + "747261636573fefe0000000000000000fe74696d657374616d7073fe7368617065fe", "09000000", "020300000000000000",
        // (H, 'traces', 0, 'timestamps', 'dtype') = 'float64'; utils.py:119
        "3b000000", H + "747261636573fefe0000000000000000fe74696d657374616d7073fe6474797065fe", "08000000", "04666c6f61743634",
        // (H, 'traces', 0, 'timestamps', 'blob') = bytes (05) of 24; utils.py:123/127: 1700000001.0, 1700000002.0, 1700000003.0 as little-endian doubles
        "3a000000", H + "747261636573fefe0000000000000000fe74696d657374616d7073fe626c6f62fe", "19000000", "0500004040fc54d94100008040fc54d9410000c040fc54d941",
        // (H, 'traces', 0, 'x_axis_values') = None; utils.py:233, no x_axis
        "38000000", H + "747261636573fefe0000000000000000fe785f617869735f76616c756573fe", "01000000", "00",
        // (H, 'traces', 0, 'x_axis_iters') = None; utils.py:234
        "37000000", H + "747261636573fefe0000000000000000fe785f617869735f6974657273fe", "01000000", "00",
        .. Props,
        .. Progress,
    ];

    /// <summary>
    /// Where our run search's records legitimately differ from Aim's for the same content. Value differences: the
    /// times (our repo's clock, not the fixture's) and the experiment's <c>id</c> (Aim's uuid; ours is the name).
    /// Records only Aim sends: <c>values.version</c>, Aim's storage version of the sequence, meaningless in our repo.
    /// Records only we send: <c>values.count</c> (extension).
    /// </summary>
    private static readonly Differences RunSearchDifferences = new(
        AnyValue: ["H/props/creation_time", "H/props/end_time", "H/props/experiment/id"],
        Values: [],
        OnlyAim: ["H/traces/metric/#0/values/version"],
        OnlyOurs: ["H/traces/metric/#0/values/count"]);

    /// <summary>
    /// Where our metric search's records legitimately differ from Aim's: the times and the experiment id as above,
    /// the timestamps column; the slice's stop, where Aim sends the placeholder 0 (utils.py:228) and we the range's
    /// end (docs/format.md, 14.3); the x-axis fields Aim sends as None without an <c>x_axis</c> (utils.py:233-234),
    /// which we leave out; and our extensions <c>dtype</c>, <c>chunk</c> and <c>final</c>.
    /// </summary>
    private static readonly Differences MetricSearchDifferences = new(
        AnyValue: ["H/props/creation_time", "H/props/end_time", "H/props/experiment/id", "H/traces/#0/timestamps/blob"],
        Values: [("H/traces/#0/slice/#1", "020000000000000000", "020300000000000000")],
        OnlyAim: ["H/traces/#0/x_axis_values", "H/traces/#0/x_axis_iters"],
        OnlyOurs: ["H/traces/#0/dtype", "H/traces/#0/chunk", "H/traces/#0/final"]);

    [Fact]
    public async Task Aims_run_search_stream_decodes()
    {
        byte[] bytes = Golden(RunSearch);

        StreamedRun run = Assert.Single(await StreamTestKit.ReadRunsAsync(bytes, StreamTestKit.RandomCuts(new Random(15), bytes.Length, 30)));
        Assert.Equal(Hash, run.Hash);
        Assert.Equal("baseline", run.Props!["name"]);
        Assert.Equal("default", ((Dictionary<string, object?>)run.Props["experiment"]!)["name"]);
        Assert.Equal(1700000100.5, run.Props["end_time"]);
        Assert.True(TreeTestUtil.DeepEqual(new Dictionary<string, object?> { ["hparams"] = new Dictionary<string, object?> { ["batch"] = 32L, ["lr"] = 0.01 } }, run.Params));

        StreamedTrace loss = Assert.Single(run.Traces);
        Assert.Equal(("loss", "metric", "float"), (loss.Name, loss.SequenceType, loss.Dtype));
        Assert.Equal("train", loss.Context["subset"]);
        Assert.False(loss.HasData);
        Assert.Equal((0L, 2L), (loss.FirstStep, loss.LastStep));
        Assert.Equal((0.5, 0.125, 0.125, 0.5), (loss.First, loss.Last, loss.Min, loss.Max));
        Assert.Null(loss.Count);
        Assert.Equal(2L, loss.Metadata!["version"]);

        List<StreamObject> objects = await StreamTestKit.ReadObjectsAsync(bytes);
        Assert.Equal([StreamObjectKind.Object, StreamObjectKind.Progress, StreamObjectKind.Progress], objects.Select(o => o.Kind));
        Assert.All(objects.Skip(1), o => Assert.True(o.TryGetProgress(out long done, out long total) && (done, total) == (1, 1)));
    }

    [Fact]
    public async Task Aims_metric_search_stream_decodes()
    {
        byte[] bytes = Golden(MetricSearch);

        StreamedRun run = Assert.Single(await StreamTestKit.ReadRunsAsync(bytes, StreamTestKit.RandomCuts(new Random(16), bytes.Length, 30)));
        Assert.Equal(Hash, run.Hash);
        Assert.Equal(false, run.Props!["active"]);
        StreamedTrace loss = Assert.Single(run.Traces);
        Assert.Equal("loss", loss.Name);
        Assert.Null(loss.SequenceType);
        Assert.Null(loss.Dtype);
        Assert.True(loss.HasData);
        Assert.True(loss.IsFinal);
        Assert.Equal([0.5, 0.25, 0.125], loss.Numbers!);
        Assert.Equal([0L, 1L, 2L], loss.Steps);
        Assert.Equal(new long?[] { 0, 0, 0 }, loss.Epochs);
        Assert.Equal([1700000001.0, 1700000002.0, 1700000003.0], loss.Timestamps);
    }

    [Fact]
    public async Task Our_run_search_stream_has_Aims_records_but_for_the_listed_differences()
    {
        using var repo = new StreamTestRepo();
        Run run = AddFixtureRun(repo);
        byte[] ours = await StreamTestKit.WriteAsync(async w =>
        {
            // What the server's run search does for this repo (SearchEndpoints), without the marker Aim does not send.
            await w.WriteRunAsync(run);
            await w.WriteProgressAsync(1, 1);
            await w.WriteProgressAsync(1, 1);
        }, new StreamOptions { WriteMarker = false });

        await AssertSameRecordsAsync(Golden(RunSearch), ours, run.Hash, RunSearchDifferences);
    }

    [Fact]
    public async Task Our_metric_search_stream_has_Aims_records_but_for_the_listed_differences()
    {
        using var repo = new StreamTestRepo();
        Run run = AddFixtureRun(repo);
        byte[] ours = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteRunAsync(run);
            await w.WriteProgressAsync(1, 1);
            await w.WriteProgressAsync(1, 1);
        }, new StreamOptions { WriteMarker = false, Density = 500 });

        await AssertSameRecordsAsync(Golden(MetricSearch), ours, run.Hash, MetricSearchDifferences);
    }

    /// <summary>The fixture's run in our repo: the same content; the hash and the times are the repo's own.</summary>
    private static Run AddFixtureRun(StreamTestRepo repo)
    {
        string hash;
        using (Run run = repo.Repo.CreateRun("default", name: "baseline"))
        {
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.01, ["batch"] = 32L };
            var train = new Context { ["subset"] = "train" };
            run.Track(0.5, "loss", step: 0, epoch: 0, context: train);
            run.Track(0.25, "loss", step: 1, epoch: 0, context: train);
            run.Track(0.125, "loss", step: 2, epoch: 0, context: train);
            hash = run.Hash;
        }

        return repo.Repo.GetRun(hash);
    }

    /// <summary>
    /// Compares two streams record by record: every record's path (the run's hash read as H) and value bytes, in
    /// order, except exactly the listed differences, each of which must be there.
    /// </summary>
    private static async Task AssertSameRecordsAsync(byte[] aim, byte[] ours, string ourHash, Differences differences)
    {
        List<(string Path, string Value)> expected = await RecordsAsync(aim, Hash);
        List<(string Path, string Value)> actual = await RecordsAsync(ours, ourHash);

        Assert.Equal(differences.OnlyAim.Order(StringComparer.Ordinal), expected.Select(r => r.Path).Except(actual.Select(r => r.Path)).Order(StringComparer.Ordinal));
        Assert.Equal(differences.OnlyOurs.Order(StringComparer.Ordinal), actual.Select(r => r.Path).Except(expected.Select(r => r.Path)).Order(StringComparer.Ordinal));
        foreach ((string path, string aimValue, string ourValue) in differences.Values)
        {
            Assert.Equal(aimValue, Assert.Single(expected, r => r.Path == path).Value);
            Assert.Equal(ourValue, Assert.Single(actual, r => r.Path == path).Value);
        }

        HashSet<string> anyValue = [.. differences.AnyValue, .. differences.Values.Select(v => v.Path)];
        Assert.All(anyValue, path => Assert.Contains(actual, r => r.Path == path));
        Assert.Equal(
            expected.Where(r => !differences.OnlyAim.Contains(r.Path)).Select(r => anyValue.Contains(r.Path) ? (r.Path, "?") : r),
            actual.Where(r => !differences.OnlyOurs.Contains(r.Path)).Select(r => anyValue.Contains(r.Path) ? (r.Path, "?") : r));
    }

    /// <summary>The records as (path, value hex): str segments as they are, int segments as #n, the hash as H.</summary>
    private static async Task<List<(string Path, string Value)>> RecordsAsync(byte[] stream, string hash) =>
        [.. (await StreamTestKit.ReadRecordsAsync(stream)).Select(r => (
            string.Join('/', r.DecodeKey().Select(s => s.IsInt ? "#" + s.Int : s.String == hash ? "H" : s.String)),
            Convert.ToHexStringLower(r.Value.Span)))];

    /// <summary>The stream of records given as hex fields (four per record).</summary>
    private static byte[] Golden(string[] fields)
    {
        Assert.Equal(0, fields.Length % 4);
        byte[] bytes = Convert.FromHexString(string.Concat(fields));

        // The hand-written lengths agree with the fields they frame.
        for (int i = 0; i < fields.Length; i += 2)
        {
            Assert.Equal((uint)(fields[i + 1].Length / 2), BinaryPrimitives.ReadUInt32LittleEndian(Convert.FromHexString(fields[i])));
        }

        return bytes;
    }

    /// <summary>The records in which two streams of the same content may differ, by path.</summary>
    /// <param name="AnyValue">Records both send, whose values may differ (times, ids).</param>
    /// <param name="Values">Records both send with these different values: (path, Aim's value hex, ours).</param>
    /// <param name="OnlyAim">Records only Aim sends.</param>
    /// <param name="OnlyOurs">Records only we send.</param>
    private sealed record Differences(string[] AnyValue, (string Path, string Aim, string Ours)[] Values, string[] OnlyAim, string[] OnlyOurs);
}
