// Symmetric eigen-decomposition in float64 (Householder tridiagonalisation, then the
// implicit symmetric QR iteration with Wilkinson shifts, Golub & Van Loan §8.3), and the
// damped inverse matrix root Shampoo takes of its statistics (see eigh.cc).
#pragma once
#include <node_api.h>

#include <cstdint>

namespace algobench {

// The eigenvalues (in no particular order) and unit eigenvectors of the symmetric n×n
// row-major `a` (read only; its symmetric part (a + aᵀ)/2 is taken). Row k of
// `vectors` (n·n) is the eigenvector of values[k]. Answers the number of QR steps made,
// or −1 where an eigenvalue took more than 30 steps (then values and vectors hold what
// there is) or `a` has a non-finite entry (then both are NaN).
int64_t symmetric_eigh(const double* a, int64_t n, double* values, double* vectors);

// out = V·diag((max(λ, 0) + eps)^(−1/p))·Vᵀ of the symmetric `a` (n·n, row-major): the
// damped inverse p-th root of a positive semi-definite matrix; eigenvalues below 0 by
// roundoff count as 0. Answers symmetric_eigh's count (−1: out is NaN).
int64_t damped_inverse_root(const double* a, int64_t n, double p, double eps, double* out);

// Adds `symmetricEigh` and `dampedInverseRoot` to the addon's exports.
void define_eigh_kernels(napi_env env, napi_value exports);

}  // namespace algobench
