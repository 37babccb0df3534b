using System.Net;
using System.Text.Json;

namespace AimLsm.Tests.Server;

/// <summary><c>GET /api/runs/{hash}</c>: the run as JSON (params, traces by kind, props), non-finite floats as strings, 404s.</summary>
public class RunInfoTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Run_document_has_params_traces_and_props()
    {
        JsonElement run = await fixture.GetJsonAsync($"api/runs/{fixture.Sgd}", HttpStatusCode.OK);
        Assert.Equal(fixture.Sgd, run.GetProperty("hash").GetString());
        JsonElement hparams = run.GetProperty("params").GetProperty("hparams");
        Assert.Equal(0.001, hparams.GetProperty("lr").GetDouble());
        Assert.Equal(64, hparams.GetProperty("batch").GetInt64());
        Assert.Equal("sgd", hparams.GetProperty("optimizer").GetString());

        JsonElement traces = run.GetProperty("traces");
        Assert.Equal(["metric", "images", "audios", "texts", "distributions", "figures"], traces.EnumerateObject().Select(p => p.Name));
        JsonElement loss = traces.GetProperty("metric").EnumerateArray()
            .Single(t => t.GetProperty("name").GetString() == "loss" && t.GetProperty("context").GetProperty("subset").GetString() == "val");
        // Aim's collect_sequence_info shape: the metadata under values, where Aim's UI reads traces.metric[i].values.last.
        Assert.Equal(["context", "name", "values"], loss.EnumerateObject().Select(p => p.Name));
        JsonElement values = loss.GetProperty("values");
        Assert.Equal(["dtype", "first_step", "first", "last_step", "last", "max", "min", "count"], values.EnumerateObject().Select(p => p.Name));
        Assert.Equal(100, values.GetProperty("count").GetInt64());
        Assert.Equal(990, values.GetProperty("last_step").GetInt64());
        Assert.Equal(ServerFixture.Loss(1, 990) + 0.1, values.GetProperty("last").GetDouble());
        Assert.Equal("float", values.GetProperty("dtype").GetString());

        JsonElement props = run.GetProperty("props");
        Assert.Equal("baseline", props.GetProperty("experiment").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, props.GetProperty("experiment").GetProperty("description").ValueKind);
        Assert.False(props.GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Number, props.GetProperty("end_time").ValueKind);
    }

    [Fact]
    public async Task Json_policy_for_non_finite_floats_bytes_and_int_keys_and_other_sequences_listed_apart()
    {
        JsonElement run = await fixture.GetJsonAsync($"api/runs/{fixture.Wide}/info", HttpStatusCode.OK);
        JsonElement limits = run.GetProperty("params").GetProperty("limits");
        Assert.Equal("NaN", limits.GetProperty("nan").GetString());
        // Aim's spelling (convert_nan_and_inf_to_str), which Python's float() reads back; not .NET's "Infinity".
        Assert.Equal("inf", limits.GetProperty("inf").GetString());
        Assert.Equal("-inf", limits.GetProperty("ninf").GetString());
        Assert.Equal(new byte[] { 1, 2, 255 }, run.GetProperty("params").GetProperty("raw").GetBytesFromBase64());
        Assert.Equal("ten", run.GetProperty("params").GetProperty("by_epoch").GetProperty("10").GetString());
        Assert.Equal((1L << 60) + 1, run.GetProperty("params").GetProperty("big").GetInt64());
        JsonElement notes = Assert.Single(run.GetProperty("traces").GetProperty("other").EnumerateArray());
        Assert.Equal("notes", notes.GetProperty("name").GetString());
        Assert.Equal("str", notes.GetProperty("values").GetProperty("dtype").GetString());
    }

    [Fact]
    public async Task Unknown_hash_is_a_404_with_a_message()
    {
        JsonElement body = await fixture.GetJsonAsync("api/runs/0123456789abcdef01234567", HttpStatusCode.NotFound);
        Assert.Equal("RunNotFound", body.GetProperty("message").GetString());
        Assert.Equal("0123456789abcdef01234567", body.GetProperty("detail").GetProperty("hash").GetString());
        Assert.Contains("0123456789abcdef01234567", body.GetProperty("detail").GetProperty("error").GetString());
    }

    [Fact]
    public async Task Unknown_path_is_a_404_listing_the_endpoints()
    {
        JsonElement body = await fixture.GetJsonAsync("api/projects", HttpStatusCode.NotFound);
        Assert.Equal("NotFound", body.GetProperty("message").GetString());
        string[] endpoints = [.. body.GetProperty("detail").GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()!)];
        foreach (string path in new[] { "/api/runs/search/run", "/api/runs/search/metric", "/api/runs/search/points", "/api/runs/{hash}", "/api/projects/params", "/api/tracking" })
        {
            Assert.Contains(endpoints, e => e.Contains(path + "?", StringComparison.Ordinal) || e.Contains(path + " ", StringComparison.Ordinal) || e.EndsWith(path, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_request_addressed_to_a_foreign_host_name_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/runs/{fixture.Sgd}");
        request.Headers.Host = "attacker.example";
        using HttpResponseMessage response = await fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("InvalidHost", await response.Content.ReadAsStringAsync());

        using var local = new HttpRequestMessage(HttpMethod.Get, $"api/runs/{fixture.Sgd}");
        local.Headers.Host = "localhost:1234";
        using HttpResponseMessage ok = await fixture.Client.SendAsync(local);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
