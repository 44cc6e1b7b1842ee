"""Run Drain3 on one dataset for `npm run bench:accuracy -- --peer drain3`.

Reads a JSON job on stdin:
  {"lines": ["<Content of line 1>", ...],
   "settings": {"st": 0.5, "depth": 4, "regex": ["...", ...]},
   "parametrize_numeric_tokens": true}
and writes JSON on stdout:
  {"version": "0.9.11", "clusters": [id per line], "templates": [template per line],
   "seconds": training time}
Each line gets its cluster's final template (after all lines), as in
../shared/loghub-2k/PUBLISHED.md: lines in file order, the settings' regexes masked as <*>,
sim_th = st, depth = depth.
"""

import json
import sys
import time
from importlib.metadata import version

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig


def main() -> None:
    job = json.load(sys.stdin)
    settings = job["settings"]

    config = TemplateMinerConfig()
    config.drain_sim_th = float(settings["st"])
    config.drain_depth = int(settings["depth"])
    # mask_prefix "<" + "*" + mask_suffix ">" = "<*>", Drain's own wildcard.
    config.masking_instructions = [MaskingInstruction(p, "*") for p in settings["regex"]]
    config.parametrize_numeric_tokens = bool(job.get("parametrize_numeric_tokens", True))
    config.profiling_enabled = False
    miner = TemplateMiner(persistence_handler=None, config=config)

    started = time.perf_counter()
    clusters = [miner.add_log_message(line)["cluster_id"] for line in job["lines"]]
    seconds = time.perf_counter() - started

    final = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    json.dump(
        {
            "version": version("drain3"),
            "clusters": clusters,
            "templates": [final[c] for c in clusters],
            "seconds": seconds,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
