"""Live plots. Each is a PlotPanel: a header (title, options, export) over a pyqtgraph view,
redrawn from the History by the window's frame timer, never from a worker thread."""
