import sys, tempfile, statistics, json
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import dedup as bench
corpus = Path(__file__).parent / "_data" / "dedup-corpus.jsonl"
info = bench.build_corpus(corpus, bench.SHARED_DATA if len(sys.argv) < 3 else Path(sys.argv[2]))
tools = sys.argv[1].split(",")
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
out = {}
for tool in tools:
    f1s, ps, rs = [], [], []
    for seed in range(1, n + 1):
        with tempfile.TemporaryDirectory() as tmp:
            clusters = bench.RUNNERS[tool](corpus, Path(tmp), seed=seed)
        p, r, f = bench.score(info["clusters"], clusters)
        ps.append(p); rs.append(r); f1s.append(f)
    m = statistics.mean(f1s); se = statistics.stdev(f1s) / len(f1s) ** 0.5
    print(f"{tool:16s} P {statistics.mean(ps):.4f} R {statistics.mean(rs):.4f} F1 mean {m:.4f} ± {se:.4f} (se) min {min(f1s):.3f} max {max(f1s):.3f}", flush=True)
