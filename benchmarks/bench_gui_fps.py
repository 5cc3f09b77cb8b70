"""GUI frame rate and event-loop latency while training at full speed (default: depth 50).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_fps.py [--depth 50] [--seconds 15]

Reports, in one run:
- frame ticks/s: how often the frame timer ran (the GUI kept pace if ≈ its nominal rate);
- redraws/s: ticks that had new records and redrew every visible plot, and ms per redraw;
- event-loop latency: lateness of a 10 ms timer (p50/p99), the responsiveness a user feels;
- training steps/s inside the GUI against the same Trainer stepped headless in one thread
  (the baseline), as a ratio.
Targets (issue 3): ≥ 30 fps, p99 latency ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.gui_harness import LatencyProbe, open_window  # noqa: E402 (needs the path above)


def headless_rate(cfg, seconds: float, threads: int) -> float:
    """Steps/s of the bare Trainer in a plain thread (the baseline)."""
    out = {}

    def work():
        import torch

        from core.training.trainer import Trainer

        torch.set_num_threads(threads)
        tr = Trainer(cfg)
        for _ in range(3):
            tr.step()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            tr.step()
            n += 1
        out["rate"] = n / (time.perf_counter() - t0)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    return out["rate"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=50)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="sys.setswitchinterval in seconds (default: the app's own choice)")
    ap.add_argument("--no-draw", action="store_true", help="skip redraws (isolates their cost)")
    ap.add_argument("--worker", choices=("process", "thread"), default="process",
                    help="where the trainer runs (the app's default: process)")
    ap.add_argument("--idle-redraw", action="store_true",
                    help="no training; redraw every plot each frame (the GUI's own cost)")
    args = ap.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)

    import numpy as np
    from PySide6.QtCore import QTimer

    from core.config import ExperimentConfig
    from desktop_app.workers.train_worker import default_threads

    threads = args.threads or default_threads()
    cfg = ExperimentConfig().with_value("model.depth", args.depth).with_value("model.width", args.width)
    base = headless_rate(cfg, min(args.seconds, 8.0), threads)

    app, win = open_window(cfg, threads, args.worker, wait_s=60, antialias=False)
    c = win.controller
    if args.idle_redraw:
        c.step(200)
    else:
        c.play()
    # warm up 1 s, then measure
    ticks = {"n": 0}
    orig_frame = win.frame
    redraw_ms: list[float] = []
    redraw_cpu_ms: list[float] = []

    def frame():
        ticks["n"] += 1
        t0, c0 = time.perf_counter(), time.thread_time()
        if args.idle_redraw:
            for p in win.current_lab().panels():
                p.dirty = True
        n = 0 if args.no_draw else orig_frame()
        if n:
            redraw_ms.append(1000 * (time.perf_counter() - t0))
            redraw_cpu_ms.append(1000 * (time.thread_time() - c0))
        return n

    win.frame_timer.timeout.disconnect()
    win.frame_timer.timeout.connect(frame)
    probe = LatencyProbe()
    results = {}

    def start_measuring():
        probe.on = True
        results["t0"], results["frames0"], results["step0"] = time.monotonic(), win.frames, c.step_count
        ticks["n"] = 0
        redraw_ms.clear()
        redraw_cpu_ms.clear()

    def stop():
        dt = time.monotonic() - results["t0"]
        results.update(dt=dt, frames=win.frames - results["frames0"],
                       steps=c.step_count - results["step0"], ticks=ticks["n"])
        probe.on = False
        win.close()
        app.quit()

    QTimer.singleShot(1500, start_measuring)
    QTimer.singleShot(int(1500 + 1000 * args.seconds), stop)
    app.exec()

    dt = results["dt"]
    lat = np.array(probe.lateness)
    gui_rate = results["steps"] / dt
    print(f"worker: {args.worker}, device: {c.info.device if c.info else '?'}, torch threads {threads}, "
          f"depth {args.depth}, width {args.width}, {dt:.1f} s measured, "
          f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}")
    nominal = 1000 / win.frame_timer.interval()
    print(f"frame ticks/s        {results['ticks'] / dt:6.1f}   (timer nominal {nominal:.1f})")
    print(f"redraws/s (fps)      {results['frames'] / dt:6.1f}   (frames with new records)")
    if redraw_ms:
        print(f"ms per redraw        {np.median(redraw_ms):6.2f} median, "
              f"{np.percentile(redraw_ms, 99):.2f} p99; GUI-thread CPU {np.median(redraw_cpu_ms):.2f} "
              "median (wall ≫ CPU: waiting for the GIL or a core)")
    print(f"event-loop latency   p50 {np.percentile(lat, 50):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms, "
          f"max {lat.max():.1f} ms  ({len(lat)} samples of a 10 ms timer)")
    print(f"training in the GUI  {gui_rate:6.1f} steps/s; headless baseline {base:.1f} steps/s; "
          f"ratio {gui_rate / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
