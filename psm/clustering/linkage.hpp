// Agglomerative hierarchical clustering with SciPy-compatible output.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ds::cluster {

/// Linkage criterion between clusters.
enum class method { single, complete, average, ward };
/// Distance between two series.
enum class metric { euclidean, correlation };

/// Parses "single"/"complete"/"average"/"ward"; false if unknown.
bool parse_method(const std::string& s, method& m);
/// Parses "euclidean"/"correlation"; false if unknown.
bool parse_metric(const std::string& s, metric& m);

/// One merge of the linkage matrix in SciPy's convention: clusters a < b
/// (originals 0..n-1, the merge in row i creates cluster n+i), the merge
/// height and the number of originals in the new cluster.
struct merge {
  std::size_t a = 0;
  std::size_t b = 0;
  double height = 0;
  std::size_t size = 0;
};

/// Condensed distance matrix of rows (all of equal length): entry for
/// i < j at n*i - i*(i+1)/2 + j - i - 1, like scipy's pdist. Correlation
/// distance is 1 - pearson r (a constant row gives NaN, as in SciPy).
std::vector<double> pdist(const std::vector<std::vector<double>>& rows,
                          metric m);

/// Linkage of n points from their condensed distances (size n*(n-1)/2).
/// NN-chain for ward/average/complete, minimum spanning tree for single;
/// rows sorted by height (stable) and relabelled exactly as scipy's linkage.
/// Ward expects euclidean distances. O(n^2) memory, O(n^2) time.
std::vector<merge> linkage(std::vector<double> condensed, std::size_t n,
                           method m);

/// Flat clusters (labels 1..k) forming at most k clusters, like fcluster
/// criterion "maxclust". z from linkage of n points.
std::vector<int> cut_by_count(const std::vector<merge>& z, std::size_t n,
                              std::size_t k);
/// Flat clusters where merges with height <= h are joined ("distance").
std::vector<int> cut_by_height(const std::vector<merge>& z, std::size_t n,
                               double h);

} // namespace ds::cluster
