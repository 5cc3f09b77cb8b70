"""Labs: one panel per topic, shown as tabs of the main window.

The pattern (follow it for a new lab, e.g. the recurrent or landscape lab):

1. Subclass `desktop_app.labs.base.Lab`; set `name` (the `lab` value of the presets it shows:
   "deep", "recurrent", "landscape", "generalization"), `title` (the tab text), and the lesson
   card's default text.
2. `build_controls()` returns the controls side, usually a `ControlsPanel(state, sections)` of
   `Control(key, label, kind, …)`: widgets bound two-way to the shared ExperimentState. Controls
   that several labs show are defined once in `shared_controls.py`.
3. `build_plots()` returns the plots area (`plots_grid` or `plots_layout` in base.py) with the
   lesson card `self.lesson` (made by the base) in it; `panels()` lists its PlotPanels (each
   redraws from the History in `draw(history, rerange)`, exports PNG/SVG/CSV, marks divergence).
4. `accepts(cfg)` says whether a config belongs to this lab; `default_config()` is loaded when
   the user switches to the lab with a config it does not accept.
5. `tasks()` returns Tasks (`fn(trainer) -> numpy payload`) the training thread runs between
   steps at a throttled rate while the lab is shown; results arrive in `on_task(name, payload)`.
   Heavy analyses that should not slow training (a landscape grid) belong in the lab's own
   worker with "latest request wins"; a Task can hand it a copy of the weights. A lab with
   threads of its own stops them in `shutdown()`, calls `shutdown_on_quit()` once and
   `watch_window()` before starting a thread (so closing the window stops them too).
   The trainer normally lives in a child process (workers/train_worker.py): a Task's fn must
   be picklable (a module-level function or a functools.partial of one), live in a module that
   does not import Qt, and return numpy/plain data, never tensors.
6. The window calls `start_run(info, history)` on every new network, `on_records(history,
   records)` as batches arrive (mark panels dirty; do not draw), `refresh(history)` from its
   frame timer (draws only visible, changed panels), `on_divergence(div)`, `set_preset(p)`,
   `set_config(cfg, keys)` and `apply_theme(theme)`.

Register the class in LAB_CLASSES below; the window makes one tab per entry.
"""

from __future__ import annotations

import importlib
import warnings

LAB_CLASSES = [
    "desktop_app.labs.deep_lab:DeepLab",
    "desktop_app.labs.recurrent_lab:RecurrentLab",
    "desktop_app.labs.landscape_lab:LandscapeLab",
]


def lab_classes() -> list[type]:
    """The registered Lab classes; one that fails to import is skipped with a warning."""
    out = []
    for spec in LAB_CLASSES:
        module, _, cls = spec.partition(":")
        try:
            out.append(getattr(importlib.import_module(module), cls))
        except Exception as e:  # a broken lab (even a syntax error) must not stop the app
            warnings.warn(f"lab {spec} could not be loaded: {e}", stacklevel=2)
    return out
