"""The burst-join benchmark's arithmetic and its README table (no servers: bench/burst_join.py's pure parts)."""

from __future__ import annotations

from bench import burst_join


def test_summary_counts_failures_as_slow_and_takes_nearest_rank_percentiles():
    record = {"total": [0.5, 1.0, 12.0, 2.0], "open": [0.4, 0.9, 11.0, 1.8], "join": [0.1, 0.1, 1.0, 0.2],
              "bytes": [1024 * 1000] * 4, "failures": ["Phone 9: not joined within 90 s"], "seconds": 31.0}
    row = burst_join.summarise("proxy-2", 5, 96, 0.42, record, cpu=15.5, own=4.0)
    assert {k: row[k] for k in ("joined", "failed", "over_10s", "total_p50_ms", "total_p95_ms", "total_max_ms",
                                "join_p95_ms", "kb_per_phone", "server_cores")} == {
        "joined": 4, "failed": 1, "over_10s": 2, "total_p50_ms": 1000, "total_p95_ms": 12000, "total_max_ms": 12000,
        "join_p95_ms": 1000, "kb_per_phone": 1000, "server_cores": 0.5}


def test_the_table_replaces_only_the_block_between_the_readme_markers(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{burst_join.MARKERS[0]}\nold table\n{burst_join.MARKERS[1]}\nafter\n")
    monkeypatch.setattr(burst_join, "README", readme)
    row = burst_join.summarise("direct", 300, 96, 1.5, {"total": [3.0], "open": [2.5], "join": [0.5], "bytes": [2048],
                                                         "failures": [], "seconds": 30.0}, cpu=30.0, own=9.0)
    row["caddy_cpu_s"] = None
    burst_join.write_readme(burst_join.format_table([row]), "Measured today.")
    assert readme.read_text() == (
        f"before\n{burst_join.MARKERS[0]}\nMeasured today.\n\n"
        "| layout | phones | load at start | page open + join p50 / p95 / max | join p95 | failed | over 10 s "
        "| server CPU (cores) | of it Caddy | generator CPU | KB per phone |\n" + "|---" * 11 + "|\n"
        "| direct | 300 | 1.50 | 3.0 s / 3.0 s / 3.0 s | 0.5 s | 0 | 0 | 30.0 s (1.0) | – | 9.0 s | 2 |\n"
        f"{burst_join.MARKERS[1]}\nafter\n")
