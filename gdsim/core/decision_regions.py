"""The class a two-input classifier gives each point of a grid over its inputs: the
decision regions the data view draws under the data at every step (issue 15).

The network is asked on a coarse lattice first (every ``COARSE``-th grid point each
way); a cell of the lattice whose four corners agree is filled with their class, and
only the grid points of the cells where they disagree, the band along the boundary,
are asked as well.  That is a few times fewer points than the whole grid; what it can
miss is an island of a class that fits inside one lattice cell and touches none of
its corners (a few pixels of the picture).  Computed in float32: it is a picture (a
point on the boundary may be given the other class than in float64).
"""

from __future__ import annotations

import numpy as np

#: grid points per lattice cell side
COARSE = 4


class RegionGrid:
    """An ``n`` × ``n`` grid over the box ``(x0, y0), (x1, y1)`` of the inputs (``n``
    rounded up to a multiple of COARSE); its lattice reaches one grid step past the
    box's far sides, so that every grid point lies in a lattice cell."""

    def __init__(self, box, n: int = 120) -> None:
        (x0, y0), (x1, y1) = box
        self.cells = max(1, -(-n // COARSE))
        self.n = self.cells * COARSE
        self.box = ((float(x0), float(y0)), (float(x1), float(y1)))
        i = np.arange(self.n + 1, dtype=np.float64) / (self.n - 1)  # one step past 1
        gx = (x0 + (x1 - x0) * i).astype(np.float32)
        gy = (y0 + (y1 - y0) * i).astype(np.float32)
        X, Y = np.meshgrid(gx, gy)  # row = y, column = x
        grid = np.stack([X, Y], axis=-1)
        self.inputs = np.ascontiguousarray(grid[: self.n, : self.n])  # (n, n, 2)
        self._lattice = grid[::COARSE, ::COARSE].reshape(-1, 2)  # (cells + 1)² points

    def _blocks(self, per_cell: np.ndarray) -> np.ndarray:
        """(cells, cells) → (n, n): each cell's value at each of its grid points."""
        c, k = self.cells, COARSE
        return np.broadcast_to(per_cell[:, None, :, None], (c, k, c, k)).reshape(self.n, self.n)

    def classes(self, model, theta) -> np.ndarray:
        """The class index at each grid point, (n, n), row = y."""
        m = self.cells + 1
        corner = model.classify(theta, self._lattice, np.float32).reshape(m, m)
        first = corner[:-1, :-1]
        agree = (first == corner[1:, :-1]) & (first == corner[:-1, 1:]) & (first == corner[1:, 1:])
        out = self._blocks(first.astype(np.intp)).copy()
        if not agree.all():
            band = ~self._blocks(agree)
            out[band] = model.classify(theta, self.inputs[band], np.float32)
        return out

    def classes_everywhere(self, model, theta) -> np.ndarray:
        """The same, asking the network at every grid point (what :meth:`classes`
        saves; the tests compare the two)."""
        flat = model.classify(theta, self.inputs.reshape(-1, 2), np.float32)
        return flat.reshape(self.n, self.n)
