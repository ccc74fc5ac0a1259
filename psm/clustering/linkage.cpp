#include "psm/clustering/linkage.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

namespace ds::cluster {

namespace {

std::size_t cidx(std::size_t n, std::size_t i, std::size_t j) {
  if (i > j)
    std::swap(i, j);
  return n * i - i * (i + 1) / 2 + j - i - 1;
}

double update(method m, double dxi, double dyi, double dxy, double nx,
              double ny, double ni) {
  switch (m) {
  case method::complete:
    return std::max(dxi, dyi);
  case method::average:
    return (nx * dxi + ny * dyi) / (nx + ny);
  case method::ward: {
    double t = 1.0 / (nx + ny + ni);
    return std::sqrt((ni + nx) * t * dxi * dxi + (ni + ny) * t * dyi * dyi -
                     ni * t * dxy * dxy);
  }
  case method::single:
    return std::min(dxi, dyi);
  }
  return 0;
}

std::vector<merge> nn_chain(std::vector<double>& d, std::size_t n, method m) {
  std::vector<merge> z;
  z.reserve(n ? n - 1 : 0);
  std::vector<std::size_t> size(n, 1), chain;
  chain.reserve(n);
  // Active clusters as a list in increasing index order (scans visit them in
  // the same order as a full scan would, so ties resolve identically), so
  // the work shrinks as clusters merge.
  const std::size_t end = n;
  std::vector<std::size_t> next(n), prev(n);
  for (std::size_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? end : i - 1;
  }
  std::size_t head = 0;
  auto remove = [&](std::size_t x) {
    if (prev[x] == end)
      head = next[x];
    else
      next[prev[x]] = next[x];
    if (next[x] != end)
      prev[next[x]] = prev[x];
  };
  // Row x of the condensed matrix: entries (i, x) for i < x are strided,
  // entries (x, i) for i > x are contiguous from base(x).
  auto base = [n](std::size_t x) { return n * x - x * (x + 1) / 2 - x - 1; };
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (chain.empty())
      chain.push_back(head);
    std::size_t x = 0, y = 0;
    double cur = 0;
    for (;;) {
      x = chain.back();
      if (chain.size() > 1) {
        y = chain[chain.size() - 2];
        cur = d[cidx(n, x, y)];
      } else {
        cur = std::numeric_limits<double>::infinity();
      }
      std::size_t i = head;
      for (; i < x; i = next[i]) {
        double v = d[base(i) + x];
        if (v < cur) {
          cur = v;
          y = i;
        }
      }
      const double* row = d.data() + base(x);
      for (i = next[x]; i != end; i = next[i]) {
        double v = row[i];
        if (v < cur) {
          cur = v;
          y = i;
        }
      }
      if (chain.size() > 1 && y == chain[chain.size() - 2])
        break;
      chain.push_back(y);
    }
    chain.pop_back();
    chain.pop_back();
    if (x > y)
      std::swap(x, y);
    double nx = double(size[x]), ny = double(size[y]);
    z.push_back({x, y, cur, size[x] + size[y]});
    size[x] = 0;
    size[y] += static_cast<std::size_t>(nx);
    remove(x);
    for (std::size_t i = head; i != end; i = next[i]) {
      if (i == y)
        continue;
      double& dy = d[cidx(n, i, y)];
      dy = update(m, d[cidx(n, i, x)], dy, cur, nx, ny, double(size[i]));
    }
  }
  return z;
}

std::vector<merge> mst_single(const std::vector<double>& d, std::size_t n) {
  std::vector<merge> z;
  std::vector<char> merged(n, 0);
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::size_t x = 0;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    double cur = std::numeric_limits<double>::infinity();
    std::size_t y = 0;
    merged[x] = 1;
    for (std::size_t i = 0; i < n; ++i) {
      if (merged[i])
        continue;
      double v = d[cidx(n, x, i)];
      if (best[i] > v)
        best[i] = v;
      if (best[i] < cur) {
        y = i;
        cur = best[i];
      }
    }
    z.push_back({x, y, cur, 0});
    x = y;
  }
  return z;
}

/// Stable sort by height, then union-find relabelling as scipy's label().
void relabel(std::vector<merge>& z, std::size_t n) {
  std::stable_sort(z.begin(), z.end(), [](const merge& a, const merge& b) {
    return a.height < b.height;
  });
  std::vector<std::size_t> parent(2 * n), size(2 * n, 1);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    std::size_t r = x;
    while (parent[r] != r)
      r = parent[r];
    while (parent[x] != r) {
      std::size_t p = parent[x];
      parent[x] = r;
      x = p;
    }
    return r;
  };
  std::size_t next = n;
  for (auto& row : z) {
    std::size_t a = find(row.a), b = find(row.b);
    if (a > b)
      std::swap(a, b);
    row.a = a;
    row.b = b;
    row.size = size[a] + size[b];
    parent[a] = next;
    parent[b] = next;
    size[next] = row.size;
    ++next;
  }
}

std::vector<int> flat(const std::vector<merge>& z, std::size_t n,
                      std::size_t joins) {
  // Apply the first `joins` merges, then number clusters by first appearance
  // of their lowest original, as scipy numbers leaves in tree order (labels
  // are a partition; callers compare partitions, not label values).
  std::vector<std::size_t> parent(2 * n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t i = 0; i < joins && i < z.size(); ++i) {
    parent[find(z[i].a)] = n + i;
    parent[find(z[i].b)] = n + i;
  }
  std::vector<int> label(n, 0), root_label(2 * n, 0);
  int next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t r = find(i);
    if (root_label[r] == 0)
      root_label[r] = ++next;
    label[i] = root_label[r];
  }
  return label;
}

} // namespace

bool parse_method(const std::string& s, method& m) {
  if (s == "single")
    m = method::single;
  else if (s == "complete")
    m = method::complete;
  else if (s == "average")
    m = method::average;
  else if (s == "ward")
    m = method::ward;
  else
    return false;
  return true;
}

bool parse_metric(const std::string& s, metric& m) {
  if (s == "euclidean")
    m = metric::euclidean;
  else if (s == "correlation")
    m = metric::correlation;
  else
    return false;
  return true;
}

namespace {

// Sums of squared differences and dot products with four independent
// accumulators, so the compiler can keep two SIMD lanes busy without
// reassociating a single sum (no -ffast-math needed).
double squared_distance(const double* a, const double* b, std::size_t len) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t t = 0;
  for (; t + 4 <= len; t += 4) {
    double e0 = a[t] - b[t], e1 = a[t + 1] - b[t + 1];
    double e2 = a[t + 2] - b[t + 2], e3 = a[t + 3] - b[t + 3];
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  for (; t < len; ++t) {
    double e = a[t] - b[t];
    s0 += e * e;
  }
  return (s0 + s1) + (s2 + s3);
}

double dot(const double* a, const double* b, std::size_t len) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t t = 0;
  for (; t + 4 <= len; t += 4) {
    s0 += a[t] * b[t];
    s1 += a[t + 1] * b[t + 1];
    s2 += a[t + 2] * b[t + 2];
    s3 += a[t + 3] * b[t + 3];
  }
  for (; t < len; ++t)
    s0 += a[t] * b[t];
  return (s0 + s1) + (s2 + s3);
}

} // namespace

static void distance_tiles(const std::vector<double>& x,
                           const std::vector<double>& norm, std::size_t len,
                           std::size_t n, std::size_t ib, std::size_t tile,
                           metric m, std::vector<double>& d);

std::vector<double> pdist(const std::vector<std::vector<double>>& rows,
                          metric m) {
  const std::size_t n = rows.size();
  std::size_t len = n ? rows[0].size() : 0;
  for (auto& r : rows)
    len = std::min(len, r.size());
  // One contiguous row-major copy (centred for correlation).
  std::vector<double> x(n * len);
  std::vector<double> norm(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& v = rows[i];
    double mean = 0;
    if (m == metric::correlation && !v.empty())
      mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    for (std::size_t t = 0; t < len; ++t)
      x[i * len + t] = v[t] - mean;
    if (m == metric::correlation)
      norm[i] = dot(&x[i * len], &x[i * len], len);
  }
  std::vector<double> d(n * (n ? n - 1 : 0) / 2);
  // Tiles of rows that stay in cache: each pair of tiles is read once
  // instead of streaming all later rows past every row. Rows of tiles are
  // independent (each distance is written once, computed the same way), so
  // large inputs share them out among the processor's cores.
  constexpr std::size_t tile = 48;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t ib; (ib = next.fetch_add(tile)) < n;)
      distance_tiles(x, norm, len, n, ib, tile, m, d);
  };
  std::size_t threads =
      n < 1024 ? 1
               : std::min<std::size_t>(
                     8, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < threads; ++k)
    pool.emplace_back(work);
  work();
  for (auto& t : pool)
    t.join();
  return d;
}

static void distance_tiles(const std::vector<double>& x,
                           const std::vector<double>& norm, std::size_t len,
                           std::size_t n, std::size_t ib, std::size_t tile,
                           metric m, std::vector<double>& d) {
  {
    std::size_t ie = std::min(n, ib + tile);
    for (std::size_t jb = ib; jb < n; jb += tile) {
      std::size_t je = std::min(n, jb + tile);
      for (std::size_t i = ib; i < ie; ++i) {
        const double* a = &x[i * len];
        std::size_t row = n * i - i * (i + 1) / 2 - i - 1;
        for (std::size_t j = std::max(jb, i + 1); j < je; ++j) {
          const double* b = &x[j * len];
          d[row + j] =
              m == metric::euclidean
                  ? std::sqrt(squared_distance(a, b, len))
                  : 1.0 - dot(a, b, len) / std::sqrt(norm[i] * norm[j]);
        }
      }
    }
  }
}

std::vector<merge> linkage(std::vector<double> condensed, std::size_t n,
                           method m) {
  if (n < 2)
    return {};
  std::vector<merge> z = m == method::single ? mst_single(condensed, n)
                                             : nn_chain(condensed, n, m);
  relabel(z, n);
  return z;
}

std::vector<int> cut_by_count(const std::vector<merge>& z, std::size_t n,
                              std::size_t k) {
  if (k == 0)
    k = 1;
  std::size_t joins = n > k ? n - k : 0;
  return flat(z, n, joins);
}

std::vector<int> cut_by_height(const std::vector<merge>& z, std::size_t n,
                               double h) {
  std::size_t joins = 0;
  while (joins < z.size() && z[joins].height <= h)
    ++joins;
  return flat(z, n, joins);
}

} // namespace ds::cluster
