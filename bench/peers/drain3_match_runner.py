"""Time Drain3's TemplateMiner.match() for `npm run bench:matcher`.

Reads a JSON job on stdin:
  {"rounds": {"match": 5, "params": 3},
   "cases": [{"n": 10,
              "templates": ["Receiving block blk_<*> src: /<*> dest: /<*>", ...],
              "lines": ["Receiving block blk_-160... src: /10.2.3.4:50010 dest: /...", ...],
              "expected": [index into templates of each line's template, ...]}, ...]}
and writes JSON on stdout:
  {"version": "0.9.11", "cases": [{"n", "clusters", "match_hits", "match_right",
   "params_hits", "match": {"lines_per_s", "samples"}, "params": {"lines_per_s", "samples"}}]}

For each case a fresh miner is configured as Drain3's examples/drain3.ini configures it
(its masking instructions, mask_prefix "<:", mask_suffix ":>", depth 4, max_children 100),
except max_clusters (unbounded, so that no cluster is evicted) and extra_delimiters (none:
"_" would split the variable values). It is trained with add_log_message() on each template
in the form Drain3 would have learnt it from its lines: every token holding a `<*>` becomes
Drain3's wildcard. drain_sim_th = 1.0 keeps distinct templates in distinct clusters, so the
miner holds exactly n clusters, cluster k + 1 being template k.

Then the measured lines are matched the way Drain3's README shows, timed over the loop only
(process start, JSON and training excluded), one warm-up round and then the median of
rounds:
  match:  cluster = miner.match(line)               (full_search_strategy "never", the default)
  params: cluster = miner.match(line); miner.extract_parameters(cluster.get_template(), line)
"""

import json
import statistics
import sys
import time
from importlib.metadata import version

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

# examples/drain3.ini of Drain3 (github.com/logpai/Drain3), [MASKING].
MASKING = [
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
]
WILDCARD = "<*>"


def new_miner() -> TemplateMiner:
    config = TemplateMinerConfig()
    config.masking_instructions = [MaskingInstruction(p, name) for p, name in MASKING]
    config.mask_prefix = "<:"
    config.mask_suffix = ":>"
    config.drain_depth = 4
    config.drain_max_children = 100
    config.drain_max_clusters = None
    config.drain_extra_delimiters = []
    config.drain_sim_th = 1.0
    config.profiling_enabled = False
    return TemplateMiner(persistence_handler=None, config=config)


def timed(loop, lines, rounds: int) -> dict:
    loop(lines)  # warm-up: caches, allocator
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        loop(lines)
        samples.append(len(lines) / (time.perf_counter() - started))
    return {"lines_per_s": statistics.median(samples), "samples": samples}


def run_case(case: dict, rounds: dict) -> dict:
    miner = new_miner()
    param = miner.drain.param_str
    for text in case["templates"]:
        miner.add_log_message(" ".join(param if WILDCARD in t else t for t in text.split()))
    clusters = len(miner.drain.clusters)
    lines = case["lines"]

    hits = right = params_hits = 0
    for line, k in zip(lines, case["expected"]):
        cluster = miner.match(line)
        if cluster is None:
            continue
        hits += 1
        right += cluster.cluster_id == k + 1
        params_hits += miner.extract_parameters(cluster.get_template(), line) is not None

    match = miner.match
    extract = miner.extract_parameters

    def match_only(batch):
        for line in batch:
            match(line)

    def match_params(batch):
        for line in batch:
            cluster = match(line)
            if cluster is not None:
                extract(cluster.get_template(), line)

    return {
        "n": case["n"],
        "clusters": clusters,
        "match_hits": hits,
        "match_right": right,
        "params_hits": params_hits,
        "match": timed(match_only, lines, rounds["match"]),
        "params": timed(match_params, lines, rounds["params"]),
    }


def main() -> None:
    job = json.load(sys.stdin)
    cases = [run_case(case, job["rounds"]) for case in job["cases"]]
    json.dump({"version": version("drain3"), "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()
