// Single-precision matrix products for algobench's own tfjs kernels.
#pragma once
#include <cstdint>

namespace algobench {

// C[m×n] (row-major, leading dimension ldc) = op(A)·op(B), or += when accumulate.
// op(A) is m×k: A[i*lda + p], or A[p*lda + i] when trans_a. op(B) is k×n: B[p*ldb + j],
// or B[j*ldb + p] when trans_b. Uses every thread of the pool when the product is big.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           const float* a, int64_t lda, const float* b, int64_t ldb,
           float* c, int64_t ldc, bool accumulate);

}  // namespace algobench
