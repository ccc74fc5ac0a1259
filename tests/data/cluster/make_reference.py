"""Writes the frozen SciPy linkage outputs the cluster tests compare against.

Run from this folder with a python3 that has numpy and scipy:
    python3 make_reference.py
"""
import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist

rng = np.random.default_rng(7)
# 20 series of 8 points: noisy copies of three shapes, plus integer rows with
# tied distances to exercise tie-breaking.
t = np.linspace(0, 2 * np.pi, 8)
shapes = [np.sin(t), np.cos(t), t / 3]
rows = [shapes[i % 3] * (1 + i) + rng.normal(0, 0.3, 8) for i in range(16)]
rows += [np.array([0, 1, 0, 1, 0, 1, 0, 2.0]), np.array([1, 0, 1, 0, 1, 0, 1, 2.0]),
         np.array([0, 1, 0, 1, 0, 1, 0, 3.0]), np.array([1, 0, 1, 0, 1, 0, 1, 3.0])]
X = np.array(rows)
with open("series.csv", "w") as f:
    for i, r in enumerate(X):
        f.write("s%d," % i + ",".join(repr(float(v)) for v in r) + "\n")
for method in ["single", "complete", "average", "ward"]:
    for metric in ["euclidean", "correlation"]:
        if method == "ward" and metric != "euclidean":
            continue
        Z = linkage(pdist(X, metric), method)
        with open("%s_%s.txt" % (method, metric), "w") as f:
            for a, b, d, s in Z:
                f.write("%d,%d,%r,%d\n" % (a, b, float(d), s))
