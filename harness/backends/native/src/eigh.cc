// symmetric_eigh(): the symmetric eigenproblem in float64, as Golub & Van Loan §8.3 set it
// out. First A = Q·T·Qᵀ with T tridiagonal, by n−2 Householder reflections (Alg. 8.3.1):
// each zeroes one column below the subdiagonal and updates the trailing block by the
// symmetric rank-2 correction A ← A − v·wᵀ − w·vᵀ. Q is accumulated backwards (the last
// reflection first, each touching only its trailing block). Then T = Z·Λ·Zᵀ by implicit
// symmetric QR steps with the Wilkinson shift (Alg. 8.3.2): each chases a bulge down the
// unreduced block with Givens rotations; an off-diagonal entry below
// DBL_EPSILON·(|d_i| + |d_i+1|) is set to 0 and splits the problem. The rotations are
// applied to the rows of W = Zᵀ·Qᵀ, whose rows end up as the eigenvectors; every inner
// loop runs along a row (contiguous). About 9n³ flops in all, against ≈ 80n³ for the
// kit's cyclic Jacobi (submissions/kit/transforms/_eigh.ts), one thread.
//
// Accuracy: backward stable, so each eigenvalue is found to about DBL_EPSILON·‖A‖ in
// absolute terms (Jacobi finds the small eigenvalues of a positive definite matrix to
// high relative accuracy; this does not). For Shampoo's (A + eps·I)^(−1/4) an error
// δ in a small λ moves its root by about δ/(4(λ + eps)): relative 1e-16·‖A‖/eps, far
// below float32's rounding of the root while ‖A‖/eps < 1e8.
#include "eigh.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "napi_args.h"

namespace algobench {

namespace {

// An n×n work matrix for one call: kept from call to call on this thread (`kept`) up to
// 2^19 doubles (4 MiB, n ≤ 724), else `own`, the call's. A fresh allocation of a matrix's
// size is a fresh mapping whose pages fault in on every call: with three per call, a
// 256x256 root spent ~30% of its time in page faults and zeroing (perf, standalone).
// Not zeroed: every caller writes the whole matrix before reading it.
double* work_matrix(std::vector<double>& kept, std::vector<double>& own, int64_t n) {
  const size_t count = (size_t)(n * n);
  std::vector<double>& buf = count <= (size_t{1} << 19) ? kept : own;
  if (buf.size() < count) buf.resize(count);
  return buf.data();
}

// a (n×n, row-major, symmetric) → diagonal d, subdiagonal e (e[i] couples i and i+1),
// and w = Qᵀ (row-major) with a = Q·T·Qᵀ. `a` is overwritten.
void tridiagonalize(double* a, int64_t n, double* d, double* e, double* w) {
  std::vector<double> beta(std::max<int64_t>(n, 1), 0.0), p(n), v(n);
  for (int64_t k = 0; k + 2 < n; ++k) {
    // x = a[k+1.., k] = a[k, k+1..] (row k, by symmetry); v = x − α·e₁ with α = −sign(x₀)‖x‖.
    double* x = a + k * n + k + 1;
    const int64_t m = n - k - 1;
    double norm2 = 0;
    for (int64_t i = 0; i < m; ++i) norm2 += x[i] * x[i];
    const double norm = std::sqrt(norm2);
    d[k] = a[k * n + k];
    if (norm == 0) {
      e[k] = 0;
      beta[k] = 0;
      continue;
    }
    const double alpha = x[0] >= 0 ? -norm : norm;
    // vᵀv = ‖x‖² − 2αx₀ + α² = 2(‖x‖² − αx₀)
    const double vv = 2 * (norm2 - alpha * x[0]);
    x[0] -= alpha;  // x now holds v (kept in row k for the accumulation of Q)
    const double b = 2 / vv;
    beta[k] = b;
    e[k] = alpha;
    // p = β·B·v over the trailing block B = a[k+1.., k+1..]; then w = p − (β·pᵀv/2)·v.
    double pv = 0;
    for (int64_t i = 0; i < m; ++i) {
      const double* row = a + (k + 1 + i) * n + k + 1;
      double s = 0;
      for (int64_t j = 0; j < m; ++j) s += row[j] * x[j];
      p[i] = b * s;
      pv += p[i] * x[i];
    }
    const double kk = b * pv / 2;
    for (int64_t i = 0; i < m; ++i) p[i] -= kk * x[i];
    for (int64_t i = 0; i < m; ++i) {
      double* row = a + (k + 1 + i) * n + k + 1;
      const double vi = x[i], wi = p[i];
      for (int64_t j = 0; j < m; ++j) row[j] -= vi * p[j] + wi * x[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 1) * n + n - 2];
  }
  if (n >= 1) d[n - 1] = a[(n - 1) * n + n - 1];
  // Q = H₀·H₁·…·H_{n−3}, built from the right end: Q ← H_k·Q touches rows and columns k+1..
  static thread_local std::vector<double> kept;
  std::vector<double> own;
  double* q = work_matrix(kept, own, n);
  std::fill(q, q + n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) q[i * n + i] = 1;
  for (int64_t k = n - 3; k >= 0; --k) {
    if (beta[k] == 0) continue;
    const double* x = a + k * n + k + 1;
    const int64_t m = n - k - 1;
    // u = vᵀ·Q_sub (a row), then Q_sub ← Q_sub − β·v·u.
    std::fill(v.begin(), v.begin() + m, 0.0);
    for (int64_t i = 0; i < m; ++i) {
      const double* row = q + (k + 1 + i) * n + k + 1;
      const double xi = x[i];
      for (int64_t j = 0; j < m; ++j) v[j] += xi * row[j];
    }
    for (int64_t i = 0; i < m; ++i) {
      double* row = q + (k + 1 + i) * n + k + 1;
      const double f = beta[k] * x[i];
      for (int64_t j = 0; j < m; ++j) row[j] -= f * v[j];
    }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) w[i * n + j] = q[j * n + i];
}

// Rows r and s of w (length n) ← (c·r − s·s_row, s·r + c·s_row).
inline void rotate_rows(double* r0, double* r1, int64_t n, double c, double s) {
  for (int64_t j = 0; j < n; ++j) {
    const double a = r0[j], b = r1[j];
    r0[j] = c * a - s * b;
    r1[j] = s * a + c * b;
  }
}

// G&VL's givens(a, b): c, s with [c s; −s c]ᵀ·[a; b] = [r; 0].
inline void givens(double a, double b, double* c, double* s) {
  if (b == 0) {
    *c = 1;
    *s = 0;
  } else if (std::abs(b) > std::abs(a)) {
    const double t = -a / b;
    *s = 1 / std::sqrt(1 + t * t);
    *c = *s * t;
  } else {
    const double t = -b / a;
    *c = 1 / std::sqrt(1 + t * t);
    *s = *c * t;
  }
}

bool negligible(const double* d, const double* e, int64_t i) {
  return std::abs(e[i]) <= DBL_EPSILON * (std::abs(d[i]) + std::abs(d[i + 1])) || std::abs(e[i]) < DBL_MIN;
}

// Diagonalises T (d, e) by implicit shifted QR steps, rotating the rows of w along.
// Answers the number of steps, or −1 where an eigenvalue needed more than 30.
int64_t tridiagonal_qr(double* d, double* e, double* w, int64_t n) {
  int64_t steps = 0;
  for (int64_t h = n - 1; h > 0;) {
    if (negligible(d, e, h - 1)) {
      e[h - 1] = 0;
      --h;
      continue;
    }
    int tries = 0;
    while (!negligible(d, e, h - 1)) {
      if (++tries > 30) return -1;
      ++steps;
      // [l, h]: the unreduced block that ends at h, found anew each step: an entry
      // inside it that a step made negligible must split it, or the chase stops there.
      int64_t l = h - 1;
      while (l > 0 && !negligible(d, e, l - 1)) --l;
      if (l > 0) e[l - 1] = 0;
      // Wilkinson shift: the eigenvalue of the trailing 2×2 nearer d[h].
      const double dd = (d[h - 1] - d[h]) / 2, b = e[h - 1];
      const double root = std::hypot(dd, b);
      const double mu = d[h] - b * b / (dd + (dd >= 0 ? root : -root));
      double x = d[l] - mu, z = e[l];
      for (int64_t k = l; k < h; ++k) {
        double c, s;
        givens(x, z, &c, &s);
        if (k > l) e[k - 1] = c * x - s * z;
        // Gᵀ·[a b; b g]·G on rows and columns k, k+1.
        const double a = d[k], bk = e[k], g = d[k + 1];
        d[k] = c * c * a - 2 * c * s * bk + s * s * g;
        d[k + 1] = s * s * a + 2 * c * s * bk + c * c * g;
        e[k] = c * s * (a - g) + (c * c - s * s) * bk;
        rotate_rows(w + k * n, w + (k + 1) * n, n, c, s);
        if (k + 1 < h) {
          // The bulge at (k, k+2) and the next pair to zero.
          x = e[k];
          z = -s * e[k + 1];
          e[k + 1] = c * e[k + 1];
        }
      }
    }
    e[h - 1] = 0;
    --h;
  }
  return steps;
}

}  // namespace

int64_t symmetric_eigh(const double* a, int64_t n, double* values, double* vectors) {
  static thread_local std::vector<double> kept;
  std::vector<double> own, e(std::max<int64_t>(n, 1), 0.0);
  double* m = work_matrix(kept, own, n);
  bool finite = true;
  // The symmetric part (a + aᵀ)/2, as the kit's Jacobi solver takes it: an input
  // asymmetric by roundoff (a float32 G·Gᵀ) is harmless, and both solvers see one matrix.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      const double x = 0.5 * (a[i * n + j] + a[j * n + i]);
      finite = finite && std::isfinite(x);
      m[i * n + j] = m[j * n + i] = x;
    }
  if (!finite) {
    std::fill(values, values + n, std::numeric_limits<double>::quiet_NaN());
    std::fill(vectors, vectors + n * n, std::numeric_limits<double>::quiet_NaN());
    return -1;
  }
  tridiagonalize(m, n, values, e.data(), vectors);
  return tridiagonal_qr(values, e.data(), vectors, n);
}

int64_t damped_inverse_root(const double* a, int64_t n, double p, double eps, double* out) {
  static thread_local std::vector<double> kept;
  std::vector<double> own, values(n);
  double* vectors = work_matrix(kept, own, n);
  const int64_t steps = symmetric_eigh(a, n, values.data(), vectors);
  if (steps < 0) {
    std::fill(out, out + n * n, std::numeric_limits<double>::quiet_NaN());
    return steps;
  }
  // out = Σ_k f_k·v_k·v_kᵀ, the upper triangle row by row, then mirrored.
  std::fill(out, out + n * n, 0.0);
  for (int64_t k = 0; k < n; ++k) {
    const double f = std::pow(std::max(values[k], 0.0) + eps, -1 / p);
    const double* v = vectors + k * n;
    for (int64_t i = 0; i < n; ++i) {
      const double wi = f * v[i];
      if (wi == 0) continue;
      double* row = out + i * n;
      for (int64_t j = i; j < n; ++j) row[j] += wi * v[j];
    }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) out[i * n + j] = out[j * n + i];
  return steps;
}

namespace {

// symmetricEigh(a: Float64Array (n·n), values: Float64Array (n), vectors: Float64Array (n·n), n) → steps (−1: failed)
napi_value SymmetricEigh(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "symmetricEigh");
  size_t la = 0, lv = 0, lw = 0;
  const double* a = args.array<double>(0, napi_float64_array, &la);
  double* values = args.array<double>(1, napi_float64_array, &lv);
  double* vectors = args.array<double>(2, napi_float64_array, &lw);
  const int64_t n = args.integer(3);
  if (args.failed) return nullptr;
  if (n < 0 || la != (size_t)(n * n) || lv != (size_t)n || lw != (size_t)(n * n)) {
    return args.fail("a and vectors must hold n·n float64s and values n, n ≥ 0"), nullptr;
  }
  napi_value result;
  napi_create_int64(env, symmetric_eigh(a, n, values, vectors), &result);
  return result;
}

// dampedInverseRoot(a: Float64Array (n·n), out: Float64Array (n·n), n, p, eps) → steps (−1: failed, out NaN)
napi_value DampedInverseRoot(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "dampedInverseRoot");
  size_t la = 0, lo = 0;
  const double* a = args.array<double>(0, napi_float64_array, &la);
  double* out = args.array<double>(1, napi_float64_array, &lo);
  const int64_t n = args.integer(2);
  const double p = args.number(3), eps = args.number(4);
  if (args.failed) return nullptr;
  if (n < 0 || la != (size_t)(n * n) || lo != la) return args.fail("a and out must hold n·n float64s, n ≥ 0"), nullptr;
  if (!(p > 0) || !(eps >= 0)) return args.fail("p must be > 0 and eps ≥ 0"), nullptr;
  napi_value result;
  napi_create_int64(env, damped_inverse_root(a, n, p, eps, out), &result);
  return result;
}

}  // namespace

void define_eigh_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"symmetricEigh", nullptr, SymmetricEigh, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dampedInverseRoot", nullptr, DampedInverseRoot, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
