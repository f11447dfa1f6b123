"""Write the latest `make bench` figures into README.md, between two marker lines, with the load at the start."""

from __future__ import annotations

from pathlib import Path

from bench import harness, push_open, vote_route

README = harness.ROOT / "README.md"
START, END = "<!-- bench:start (written by `make bench`; edit bench/readme_table.py, not this table) -->", \
    "<!-- bench:end -->"


def cpu_model() -> str:
    """The machine's CPU model as /proc/cpuinfo names it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def ms(summary: dict, *keys: str) -> str:
    """'p50 / p95 / …' of a latency summary in whole milliseconds."""
    return " / ".join("—" if summary.get(k) is None else f"{summary[k]:,.0f}" for k in keys) + " ms"


def rows(result: dict) -> list[tuple[str, str, str, str, str]]:
    """(measure, before, now, floor, target) for every scenario the run holds."""
    out = []
    paced = result.get("paced")
    if paced:
        collect = paced.get("collect") or {}
        out += [
            (f"paced run: {paced['participants']} phones submit, voting opens, 5 dots each over {result['window']:.0f} s",
             "", "", "", ""),
            ("tap -> acknowledged p50 / p95 / p99", "", ms(paced["click_latency"], "p50_ms", "p95_ms", "p99_ms"), "",
             "p95 ≤ 500 ms"),
            ("lost / extra dots", "", f"{paced['lost']} / {paced['extra']}", "", "0 / 0"),
            ("dot visible in the tally p95 (the projector's query)", "", ms(paced["visible"], "p95_ms"), "", "≤ 1 s"),
            *([("tap acknowledged -> in every phone's live results p50 / p95", "",
                ms(paced["live_results"], "p50_ms", "p95_ms"), "", "p95 ≤ 1 s")] if paced.get("live_results") else []),
            ("server memory, all connected", "", f"{max(paced['rss_mb'].values())} MB", "", "≤ 1 GB"),
        ]
        if collect:
            out.append(("voting opened -> ballot on the phone p50 / p95", "",
                        ms(collect["phase_push"], "p50_ms", "p95_ms"), "", "see below"))
    burst, floor, core = result.get("burst"), result.get("floor"), result.get("core")
    if burst and floor:
        out.append(("taps flat out: route / floor page, per second", "", f"{burst['clicks_per_s']}",
                    f"{floor['clicks_per_s']}", "≥ 0.8 of the floor"))
    if core:
        out.append(("core place_dot / raw INSERT+COMMIT per second", "", f"{core['place_dot_per_s']}",
                    f"{core['raw_insert_per_s']}", "≥ 0.8 of raw"))
    compare = result.get("vote_route")
    if compare:
        out.append((f"same paced taps, {compare['phones']} phones x 5 in {compare['window']:.0f} s: "
                    f"before = rerun path ({push_open.baseline.BASELINE_REV}), now = route", "", "", "", ""))
        for (measure, rerun, route, floor), target in zip(vote_route.table_rows(compare),
                                                          ("p95 ≤ 500 ms and ≤ half the floor's", "all", "0 / 0", "")):
            out.append((measure, rerun, route, floor, target))
    push = result.get("push_open")
    if push:
        out.append((f"voting opened, {push['phones']} phones: before = pushed reruns only", "", "", "", ""))
        targets = (f"p95 ≤ {push_open.target_seconds(push['phones']):.0f} s, none missed", "", "")
        for (measure, before, now), target in zip(push_open.table_rows(push), targets):
            out.append((measure, before, now, "", target))
    return out


def render(result: dict) -> str:
    """The marked README block for one run."""
    head = (f"Latest `make bench`: {result['started']}, {result.get('cpus')} cores ({cpu_model()}), load average "
            f"{result['loadavg_at_start']:.2f} at the start and {result.get('loadavg_at_end', 0):.2f} at the end; "
            "the harness shares the cores with the server.")
    table = ["| measure | before | now | floor | target |", "|---|---|---|---|---|"]
    for measure, before, now, floor, target in rows(result):
        if not (before or now or floor or target):
            table.append(f"| **{measure}** | | | | |")
        else:
            table.append(f"| {measure} | {before} | {now} | {floor} | {target} |")
    return "\n".join([START, "", head, "", *table, "", END])


def write(result: dict, readme: Path = README) -> Path:
    """Replace the marked block in the README (or add it at the end of the load benchmark section)."""
    text = readme.read_text(encoding="utf-8")
    block = render(result)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.replace("\n## Languages\n", f"\n{block}\n\n## Languages\n", 1)
    readme.write_text(text, encoding="utf-8")
    return readme


if __name__ == "__main__":  # rewrite the table from the last run's JSON: python -m bench.readme_table
    import json

    print(write(json.loads((Path(__file__).parent / "results" / "latest.json").read_text())))
