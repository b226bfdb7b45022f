"""The Qt side of gdsim: the window, its views and panels, export and the GUI bench.

Importing it imports PySide6 and pyqtgraph, the latter with lazy Qt mirrors
(see ``fastimport``)."""

from gdsim.qt import fastimport

fastimport.prepare()
