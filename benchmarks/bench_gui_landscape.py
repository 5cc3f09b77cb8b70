"""Live landscape refresh rate while the default deep net trains at full speed in the app.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_landscape.py [--seconds 15]

Two phases on the same machine, in one run, each with the app's default worker (a training
process) and the default model, alternated `--rounds` times (medians reported, so a burst of
other work on a shared machine does not decide the ratio):
1. baseline: the Deep network lab shown (no landscape work);
2. the Landscape lab shown with its defaults (41 × 41 grid, filter directions, 256 examples,
   curvature readout on), live while training.
Reports landscapes shown per second (the refresh rate), seconds per landscape, how many steps
old a landscape is when it appears, training steps/s against the baseline (ratio), GUI frames
per second and event-loop latency (lateness of a 10 ms timer, p50/p99). Target (issue 4):
≥ 1 landscape per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.gui_harness import LatencyProbe, open_window  # noqa: E402 (needs the path above)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0, help="measured seconds per phase")
    ap.add_argument("--rounds", type=int, default=3, help="baseline/landscape alternations")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--resolution", type=int, default=41)
    ap.add_argument("--no-curvature", action="store_true")
    ap.add_argument("--worker", choices=("process", "thread"), default=None)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    import numpy as np

    from core.config import ExperimentConfig

    cfg = ExperimentConfig()
    app, win = open_window(cfg, args.threads, args.worker, wait_s=120, antialias=False,
                           imageAxisOrder="col-major")
    c = win.controller
    lab = win.labs["landscape"]
    probe = LatencyProbe()

    ages: list[int] = []
    seconds: list[float] = []

    def on_frame(rid, frame):
        if probe.on and rid == lab.worker.latest:
            last = c.history.last
            ages.append((last.step if last is not None else 0) - frame.step)
            seconds.append(frame.seconds)

    lab.worker.frame_ready.connect(on_frame)

    def merge(runs: list[dict]) -> dict:
        """Medians of the rates over rounds; latencies and per-landscape samples pooled."""
        out = {k: float(np.median([r[k] for r in runs])) for k in ("steps", "fps", "landscapes")}
        out["lat"] = np.concatenate([r["lat"] for r in runs])
        out["ages"] = [a for r in runs for a in r["ages"]]
        out["seconds"] = [x for r in runs for x in r["seconds"]]
        out["each"] = [r["landscapes"] for r in runs]
        out["each_steps"] = [r["steps"] for r in runs]
        return out

    def run_for(s: float) -> None:
        end = time.monotonic() + s
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.002)

    def phase(name: str) -> dict:
        win.show_lab(name)
        c.play()
        run_for(args.warmup)
        probe.lateness.clear()
        ages.clear()
        seconds.clear()
        probe.on = True
        s0, f0, shown0, t = c.step_count, win.frames, lab.shown, time.monotonic()
        run_for(args.seconds)
        dt = time.monotonic() - t
        out = {"steps": (c.step_count - s0) / dt, "fps": (win.frames - f0) / dt,
               "landscapes": (lab.shown - shown0) / dt, "lat": np.array(probe.lateness),
               "ages": list(ages), "seconds": list(seconds)}
        probe.on = False
        c.pause()
        run_for(0.5)
        return out

    lab.set_settings(resolution=args.resolution, curvature=not args.no_curvature)
    bases, lives = [], []
    for _ in range(max(1, args.rounds)):
        bases.append(phase("deep"))
        lives.append(phase("landscape"))
    win.close()
    app.processEvents()
    base, live = merge(bases), merge(lives)

    info = c.info
    m = cfg.model
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load (1-min average) {load:.2f} on {os.cpu_count()} cores: other programs "
          "share the cores when it exceeds ~2 (numbers then fall)")
    print(f"model: depth {m.depth}, width {m.width}, {m.activation}; data {cfg.data.name} "
          f"({cfg.data.n_train} train); worker {c.thread.backend}, device "
          f"{info.device if info else '?'}, {os.cpu_count()} CPU cores; "
          f"{args.rounds} rounds of {args.seconds:.0f} s per phase, medians")
    print(f"landscape: {args.resolution} × {args.resolution} grid, {lab.settings.subset} examples, "
          f"{lab.settings.kind} directions, curvature {'off' if args.no_curvature else 'on'}")
    s = np.array(live["seconds"]) if live["seconds"] else np.array([np.nan])
    print(f"refresh rate         {live['landscapes']:6.2f} landscapes/s while training "
          f"(target ≥ 1; rounds: {', '.join(f'{x:.2f}' for x in live['each'])})")
    print(f"time per landscape   {np.median(s):6.3f} s median, {np.max(s):.3f} s max "
          "(worker: problem, curvature, grid, slices, contours)")
    if live["ages"]:
        print(f"landscape age        {np.median(live['ages']):6.0f} steps median when shown")
    for name, r in (("deep lab (baseline)", base), ("landscape lab", live)):
        lat = r["lat"] if len(r["lat"]) else np.array([np.nan])
        print(f"{name:21s} training {r['steps']:7.1f} steps/s, GUI {r['fps']:5.1f} fps, "
              f"latency p50 {np.percentile(lat, 50):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms")
    ratios = [a / max(b, 1e-9) for a, b in zip(live["each_steps"], base["each_steps"], strict=True)]
    print(f"training speed ratio {np.median(ratios):6.2f} median (landscape lab / deep lab, "
          f"rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
